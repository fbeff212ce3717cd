import { performance } from 'node:perf_hooks';
import { percentile, type LoadResult } from './load.js';

/**
 * Sends at a fixed rate whatever the answers' latency (an open loop: a slow answer does not slow the
 * next request down, as real clients would not), `total` requests at `perSecond`; latency per request.
 */
export async function runAtRate(
  total: number,
  perSecond: number,
  send: (i: number) => Promise<boolean>,
): Promise<LoadResult & { behindMs: number }> {
  const latencies: number[] = [];
  let failures = 0;
  let behindMs = 0;
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    else behindMs = Math.max(behindMs, -wait);
    const t0 = performance.now();
    inFlight.push(
      send(i)
        .catch(() => false)
        .then((ok) => {
          latencies.push(performance.now() - t0);
          if (!ok) failures += 1;
        }),
    );
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: total,
    failures,
    seconds,
    requestsPerSecond: total / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    behindMs,
  };
}

/** p50/p99 of `samples` timings of `run`, one at a time (the cost of one call alone). */
export async function timeAlone(samples: number, run: (i: number) => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await run(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
}
