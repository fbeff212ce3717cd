/**
 * Bounded retries with exponential backoff and full jitter, for any call whose outcome says whether it
 * is worth another try. The decision (which outcomes, how many times) belongs to the caller's domain;
 * this only waits and counts.
 */
export interface RetryPlan<T> {
  /** Milliseconds to wait before try `attempt + 1`, or null to stop with this outcome. */
  retryAfter(outcome: T, attempt: number): number | null;
  /** Called before each wait (for logs and metrics). */
  onRetry?(outcome: T, attempt: number, delayMs: number): void;
}

export async function withRetries<T>(
  call: (attempt: number) => Promise<T>,
  plan: RetryPlan<T>,
  sleep: (ms: number) => Promise<void> = defaultSleep,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await call(attempt);
    const delay = plan.retryAfter(outcome, attempt);
    if (delay === null) return outcome;
    plan.onRetry?.(outcome, attempt, delay);
    await sleep(delay);
  }
}

/**
 * The wait before try `attempt + 1`: `baseMs · 2^(attempt-1)` capped at `maxMs`, then a uniformly random
 * part of it (at least half), so callers that failed together do not come back together.
 */
export function backoffDelay(
  attempt: number,
  options: { baseMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(attempt - 1, 0));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
