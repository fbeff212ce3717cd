import { readFileSync } from 'node:fs';

/**
 * The time as a service sees it. Every worker and flow that compares against "now" takes a Clock, so
 * tests move time forward (expiry, retries, rolling windows) instead of rewriting timestamps in SQL.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock shared by processes for simulations (bench:fraud --mode e2e): the system time plus an
 * offset in milliseconds that a driver writes to a file (`CLOCK_OFFSET_FILE`) and only moves forward,
 * so every launched service sees the same simulated time as soon as it is written. The file is read on
 * each `now()` (a few microseconds); an unreadable file keeps the last offset. Development and
 * benchmarks only: the config refuses `CLOCK_OFFSET_FILE` in production.
 */
export function offsetFileClock(path: string): Clock {
  let offsetMs = 0;
  return {
    now: () => {
      try {
        const read = Number(readFileSync(path, 'utf8').trim());
        if (Number.isFinite(read) && read > offsetMs) offsetMs = read;
      } catch {
        // Not written yet, or being replaced: the last offset holds.
      }
      return new Date(Date.now() + offsetMs);
    },
  };
}

/** The clock a config asks for: the system clock, or the simulation's shared one. */
export function clockOf(config: { CLOCK_OFFSET_FILE?: string | undefined }): Clock {
  return config.CLOCK_OFFSET_FILE === undefined ? systemClock : offsetFileClock(config.CLOCK_OFFSET_FILE);
}
