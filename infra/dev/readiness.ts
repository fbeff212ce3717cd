/** Polls `url` until it answers 200, `abandon` resolves, or `timeoutMs` passes. */
export async function untilReady(
  url: string,
  abandon: Promise<unknown>,
  { timeoutMs, intervalMs = 200 }: { timeoutMs: number; intervalMs?: number },
): Promise<'ready' | 'abandoned' | 'timeout'> {
  let abandoned = false;
  void abandon.then(() => {
    abandoned = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!abandoned) {
    if (Date.now() > deadline) return 'timeout';
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === 200) return 'ready';
    } catch {
      // not listening yet
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, intervalMs)), abandon]);
  }
  return 'abandoned';
}

/** Seconds with one decimal, for progress lines. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
