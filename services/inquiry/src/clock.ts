/** The time as the service sees it; tests hand workers a clock they can move (webhook retries, expiry). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
