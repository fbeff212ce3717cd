/** The emulator's notion of now: wall time plus an offset that tests move forward to reach expiry. */
export class Clock {
  #offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }

  advance(seconds: number): Date {
    this.#offsetMs += seconds * 1000;
    return this.now();
  }

  reset(): void {
    this.#offsetMs = 0;
  }

  /** How far the clock was moved, for the state file. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  restore(offsetMs: number): void {
    this.#offsetMs = offsetMs;
  }
}

/** Twilio writes timestamps as ISO 8601 in UTC without milliseconds. */
export function twilioTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
