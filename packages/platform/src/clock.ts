/**
 * The time as a service sees it. Every worker and flow that compares against "now" takes a Clock, so
 * tests move time forward (expiry, retries, rolling windows) instead of rewriting timestamps in SQL.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
