/**
 * npm run bench:fraud [-- --mode engine|e2e|both --layers-off velocity,breakers --each-layer
 *                        --seed 42 --real-per-day 2000 --attack-scale 1 --concurrency 8 --attackers-solve]
 *
 * The fraud simulation (docs/fraud.md "Simulation"): a seeded mix of real users in 12 countries who
 * verify 98% of the time and every attack kind of the fraud issue, several at once.
 * - engine: the real fraud service in this process over two simulated days (a day of real traffic,
 *   then a day with the attacks), playing the phone service's part — every layer's figures.
 * - e2e: the real services launched as `npm start` runs them, driven through the gateway with session
 *   tokens and client addresses in X-Forwarded-For, the emulator as Twilio, on a simulated clock they
 *   share (CLOCK_OFFSET_FILE), so the two days keep their hours. Challenged real users solve the
 *   proof-of-work (altcha-lib) and retry with `challengeSolution`; attackers give up on a challenge
 *   unless --attackers-solve. Defaults to a smaller customer (--real-per-day 400 --attack-scale 0.2).
 *   In engine mode --attackers-solve has attackers retry as solved without doing the work.
 * --each-layer runs the chosen mode once with everything on and once with each layer off.
 * Prints, per kind and overall: fraudulent messages sent / attempted, real users without a message,
 * messages sent before a kind's first refusal, real users' challenge rate, cost avoided, and
 * fraud.assess p50/p99 in process and over NATS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { layers, type Layer } from '../services/fraud/src/domain/rules.js';
import type { EndToEndResult, Quantiles } from './support/fraud-e2e.js';
import { runEngine, type ActorTally, type EngineResult } from './support/fraud-engine.js';
import { attackKinds, generateTraffic } from './support/fraud-traffic.js';
import { percentile } from './support/load.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'engine' },
    'layers-off': { type: 'string', default: '' },
    'each-layer': { type: 'boolean', default: false },
    seed: { type: 'string', default: '42' },
    'real-per-day': { type: 'string' },
    'attack-scale': { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'attackers-solve': { type: 'boolean', default: false },
  },
});
const log = (line: string) => console.log(`[bench] ${line}`);
const seed = Number(values.seed);
// Through the gateway every verification is several HTTP requests over five processes: the e2e mix is
// a smaller customer (the same kinds, shapes and timeline, fewer of each) so a run takes minutes here.
const e2e = values.mode === 'e2e';
const realPerDay = Number(values['real-per-day'] ?? (e2e ? 400 : 2000));
const attackScale = Number(values['attack-scale'] ?? (e2e ? 0.2 : 1));
const concurrency = Number(values.concurrency);
const layersOff = (values['layers-off'] ?? '').split(',').filter(Boolean) as Layer[];
for (const layer of layersOff) {
  if (!(layers as readonly string[]).includes(layer))
    throw new Error(`--layers-off: ${layer} is not a layer (${layers.join(', ')})`);
}

const pct = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);
const ms = (sorted: number[], p: number) =>
  sorted.length === 0 ? '-' : `${percentile(sorted, p).toFixed(2)} ms`;

function report(result: EngineResult | EndToEndResult): {
  lines: string[];
  summary: Record<string, unknown>;
} {
  const lines: string[] = [];
  const row = (cells: string[]) =>
    lines.push(cells.map((c, i) => (i === 0 ? c.padEnd(20) : c.padStart(14))).join(' '));
  row(['kind', 'sent/attempted', 'stopped', 'before 1st stop', 'cost avoided']);
  let fraudSent = 0;
  let fraudAttempted = 0;
  let fraudCost = 0;
  let worstBeforeStop = 0;
  for (const kind of attackKinds) {
    const t: ActorTally | undefined = result.tallies.get(kind);
    if (!t) continue;
    fraudSent += t.sent;
    fraudAttempted += t.attempted;
    fraudCost += t.costAvoidedUsd;
    const before = t.sentBeforeFirstRefusal ?? t.sent;
    worstBeforeStop = Math.max(worstBeforeStop, before);
    row([
      kind,
      `${t.sent}/${t.attempted}`,
      pct(t.attempted - t.sent, t.attempted),
      String(t.sentBeforeFirstRefusal ?? `never (${t.sent})`),
      `$${t.costAvoidedUsd.toFixed(2)}`,
    ]);
  }
  row([
    'all attacks',
    `${fraudSent}/${fraudAttempted}`,
    pct(fraudAttempted - fraudSent, fraudAttempted),
    `max ${worstBeforeStop}`,
    `$${fraudCost.toFixed(2)}`,
  ]);
  const real = result.tallies.get('real');
  lines.push('');
  if (real) {
    lines.push(
      `real users: ${real.users}, without a message: ${real.usersWithoutMessage} (${pct(real.usersWithoutMessage, real.users)}), ` +
        `challenged: ${real.usersChallenged} (${pct(real.usersChallenged, real.users)}), messages sent: ${real.sent}`,
    );
    const top = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([r, n]) => `${r} ${n}`)
        .join(', ');
    if (real.reasons.size > 0) lines.push(`real users' refusals by rule: ${top(real.reasons)}`);
    if (result.realChallengeReasons.size > 0)
      lines.push(`real users' challenges by rule: ${top(result.realChallengeReasons)}`);
    for (const kind of attackKinds) {
      const t = result.tallies.get(kind);
      if (t && t.reasons.size > 0) lines.push(`  ${kind} stopped by: ${top(t.reasons)}`);
    }
  }
  const e2eResult = 'histograms' in result ? result : null;
  if (e2eResult) {
    const q = (h: Quantiles) =>
      h.count === 0 ? '-' : `p50 ${h.p50?.toFixed(2)} ms, p99 ${h.p99?.toFixed(2)} ms (${h.count} asks)`;
    const pow = e2eResult.proofOfWork;
    lines.push(`real users' proof-of-work: ${pow.length} solved, p50 ${ms(pow, 50)}, p99 ${ms(pow, 99)}`);
    const paid = e2eResult.attackerProofOfWork;
    lines.push(
      paid.length === 0
        ? `attackers' proof-of-work: none solved (they give up on a challenge; --attackers-solve makes them pay)`
        : `attackers' proof-of-work: ${paid.length} solved, ${(paid.reduce((a, b) => a + b, 0) / 1000).toFixed(0)} CPU-seconds in all (p50 ${ms(paid, 50)})`,
    );
    lines.push(
      `verification statuses: ${[...e2eResult.statuses.entries()].map(([s, n]) => `${s} ${n}`).join(', ')}`,
    );
    lines.push(
      `fraud.assess in process (the fraud service's histogram, interpolated in its buckets): ${q(e2eResult.histograms.assessInProcess)}`,
    );
    lines.push(
      `fraud.assess as the phone service asks it over NATS (its histogram): ${q(e2eResult.histograms.phoneAsks)}`,
    );
  } else {
    lines.push(
      `fraud.assess in process: p50 ${ms(result.latency.inProcess, 50)}, p99 ${ms(result.latency.inProcess, 99)} (${result.latency.inProcess.length} asks)`,
    );
  }
  lines.push(
    `fraud.assess over NATS:  p50 ${ms(result.latency.overNats, 50)}, p99 ${ms(result.latency.overNats, 99)} (${result.latency.overNats.length} asks)`,
  );
  if (!e2eResult)
    lines.push(
      `  Lookup answered from the cache: in process p50 ${ms(result.latency.cachedInProcess, 50)}, p99 ${ms(result.latency.cachedInProcess, 99)}; ` +
        `over NATS p50 ${ms(result.latency.cachedOverNats, 50)}, p99 ${ms(result.latency.cachedOverNats, 99)} (${result.latency.cachedOverNats.length} asks)`,
    );
  lines.push(`ran in ${result.seconds.toFixed(0)} s`);
  return {
    lines,
    summary: {
      layersOff: result.layersOff,
      fraudSent,
      fraudAttempted,
      stopped: fraudAttempted === 0 ? null : (fraudAttempted - fraudSent) / fraudAttempted,
      maxSentBeforeFirstStop: worstBeforeStop,
      realUsers: real?.users ?? 0,
      realWithoutMessage: real?.usersWithoutMessage ?? 0,
      realChallenged: real?.usersChallenged ?? 0,
      costAvoidedUsd: Math.round(fraudCost * 100) / 100,
      assessP50InProcessMs: percentile(result.latency.inProcess, 50),
      assessP99InProcessMs: percentile(result.latency.inProcess, 99),
      assessP50NatsMs: percentile(result.latency.overNats, 50),
      assessP99NatsMs: percentile(result.latency.overNats, 99),
      perKind: Object.fromEntries(
        [...result.tallies.entries()].map(([k, t]) => [k, { ...t, reasons: Object.fromEntries(t.reasons) }]),
      ),
    },
  };
}

async function engine(off: Layer[]) {
  const traffic = generateTraffic({ seed, realPerDay, attackScale });
  log(
    `engine, layers off: ${off.length === 0 ? 'none' : off.join(', ')} — ${traffic.warmUp.length} warm-up and ${traffic.measured.length} measured attempts, ${traffic.seeds.length} numbers`,
  );
  const result = await runEngine(traffic, {
    layersOff: off,
    concurrency,
    log,
    attackersSolve: values['attackers-solve'],
  });
  const { lines, summary } = report(result);
  console.log(
    `\n== engine, layers off: ${off.length === 0 ? 'none' : off.join(', ')}\n${lines.join('\n')}\n`,
  );
  return summary;
}

async function endToEnd(off: Layer[]) {
  const { runEndToEnd } = await import('./support/fraud-e2e.js');
  const traffic = generateTraffic({ seed, realPerDay, attackScale });
  log(
    `e2e, layers off: ${off.length === 0 ? 'none' : off.join(', ')} — ${traffic.warmUp.length} warm-up and ${traffic.measured.length} measured attempts`,
  );
  const result = await runEndToEnd(traffic, {
    layersOff: off,
    concurrency,
    log,
    attackersSolve: values['attackers-solve'],
  });
  const { lines, summary } = report(result);
  console.log(
    `\n== e2e (through the gateway, simulated clock), layers off: ${off.length === 0 ? 'none' : off.join(', ')}\n${lines.join('\n')}\n`,
  );
  return {
    mode: 'e2e',
    ...summary,
    assessInProcessHistogram: result.histograms.assessInProcess,
    phoneAsksHistogram: result.histograms.phoneAsks,
    proofOfWorkSolved: result.proofOfWork.length,
    statuses: Object.fromEntries(result.statuses),
  };
}

async function main() {
  const summaries: Array<Record<string, unknown>> = [];
  const runs: Layer[][] = values['each-layer'] ? [[], ...layers.map((l) => [l])] : [layersOff];
  const mode = values.mode;
  for (const [name, one] of [
    ['engine', engine],
    ['e2e', endToEnd],
  ] as const) {
    if (mode !== name && mode !== 'both') continue;
    const these: Array<Record<string, unknown>> = [];
    for (const off of runs) these.push(await one(off));
    summaries.push(...these);
    if (values['each-layer']) {
      console.log(
        `== what each layer adds (${name}): layer off → fraud stopped, real users without a message`,
      );
      for (const s of these) {
        console.log(
          `  ${(s['layersOff'] as string[]).join(',') || 'none'}`.padEnd(14) +
            `stopped ${(100 * (s['stopped'] as number) || 0).toFixed(1)}%  real lost ${s['realWithoutMessage']}/${s['realUsers']}  challenged ${s['realChallenged']}  max before 1st stop ${s['maxSentBeforeFirstStop']}`,
        );
      }
    }
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(
    `./results/fraud-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    import.meta.url,
  );
  writeFileSync(
    file,
    JSON.stringify({ when: new Date().toISOString(), seed, realPerDay, attackScale, summaries }, null, 2),
  );
  log(`written to ${file.pathname}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
