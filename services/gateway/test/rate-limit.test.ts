import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/rate-limit.js';

describe('per-key token bucket', () => {
  it('allows a burst, then refuses with the seconds until the next token', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 3, () => now);
    expect([1, 2, 3].map(() => limiter.take('key:a').allowed)).toEqual([true, true, true]);
    expect(limiter.take('key:a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 500; // half a second refills one token at 2/s
    expect(limiter.take('key:a').allowed).toBe(true);
    expect(limiter.take('key:a').allowed).toBe(false);
  });

  it('keeps keys apart', () => {
    const limiter = new RateLimiter(1, 1, () => 0);
    expect(limiter.take('key:a').allowed).toBe(true);
    expect(limiter.take('key:a').allowed).toBe(false);
    expect(limiter.take('key:b').allowed).toBe(true);
  });

  it('never refills above the burst', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 2, () => now);
    now += 60_000;
    expect([1, 2, 3].map(() => limiter.take('k').allowed)).toEqual([true, true, false]);
  });
});
