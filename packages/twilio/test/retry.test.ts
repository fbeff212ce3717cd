import { describe, expect, it } from 'vitest';
import { backoffDelay, withRetries } from '../src/index.js';

describe('withRetries', () => {
  it('tries again while the plan says so, waiting what it says, and returns the last outcome', async () => {
    const waits: number[] = [];
    const outcomes = ['busy', 'busy', 'done'];
    const result = await withRetries(
      async (attempt) => outcomes[attempt - 1] ?? 'never',
      { retryAfter: (outcome, attempt) => (outcome === 'busy' ? attempt * 10 : null) },
      async (ms) => {
        waits.push(ms);
      },
    );
    expect(result).toBe('done');
    expect(waits).toEqual([10, 20]);
  });

  it('stops at the first outcome the plan does not retry', async () => {
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls += 1;
        return 'final';
      },
      { retryAfter: () => null },
    );
    expect([result, calls]).toEqual(['final', 1]);
  });
});

describe('backoffDelay', () => {
  const options = { baseMs: 100, maxMs: 1000 };

  it('doubles per attempt up to the cap, never below half of it', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, options, () => 1))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, options, () => 0))).toEqual([
      50, 100, 200, 400, 500,
    ]);
  });
});
