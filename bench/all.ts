/**
 * npm run bench [-- --with startup,phone,fraud] [-- --only gateway,flow]
 *
 * Every benchmark one after another, each in its own process with a progress line per stage, then
 * bench/results/latest.md (the machine, the load average around each bench, each bench's table) and
 * SVG charts beside it (throughput and latency, ours next to the peer). By default: gateway, flow,
 * live, inquiry and names. startup, phone and fraud each launch platforms or simulations for minutes
 * more on top (about 10 minutes together here, on 2 shared cores) and run with `--with`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { barChart } from './support/svg.js';

const { values } = parseArgs({
  options: {
    with: { type: 'string', default: '' },
    only: { type: 'string', default: '' },
  },
});
const defaults = ['gateway', 'flow', 'live', 'inquiry', 'names'];
const optional = ['startup', 'phone', 'fraud'];
const extra = values.with ? values.with.split(',').filter(Boolean) : [];
for (const name of extra) {
  if (!optional.includes(name)) throw new Error(`--with: ${name} is not one of ${optional.join(', ')}`);
}
const stages = values.only ? values.only.split(',').filter(Boolean) : [...defaults, ...extra];
for (const name of stages) {
  if (![...defaults, ...optional].includes(name)) throw new Error(`--only: ${name} is not a benchmark`);
}

const results = new URL('./results/', import.meta.url);
const say = (line: string) => console.log(`[bench:all] ${line}`);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

interface StageRun {
  name: string;
  code: number | null;
  seconds: number;
  loadBefore: string;
  loadAfter: string;
  /** What the bench printed that is not a progress line: its tables. */
  tables: string;
}

function run(name: string, index: number): Promise<StageRun> {
  const loadBefore = load();
  say(`(${index + 1}/${stages.length}) ${name}: starting (load average ${loadBefore})`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], {
    cwd: new URL('../', import.meta.url),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) {
      if (line.startsWith('[bench]')) console.log(`  ${name} │ ${line.slice(8)}`);
      else lines.push(line);
    }
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      if (pending) lines.push(pending);
      const seconds = (performance.now() - started) / 1000;
      const outcome =
        code === 0 ? 'done' : `FAILED (exit ${code}): ${errors.trim().split('\n').slice(-3).join(' / ')}`;
      say(`(${index + 1}/${stages.length}) ${name}: ${outcome} in ${seconds.toFixed(0)} s`);
      resolve({
        name,
        code,
        seconds,
        loadBefore,
        loadAfter: load(),
        tables:
          code === 0
            ? fenced(lines.join('\n').trim())
            : `failed (exit ${code}):\n\n\`\`\`\n${errors.slice(-1500)}\n\`\`\``,
      });
    });
  });
}

/** Another bench's own printout, kept as printed (its columns are aligned by spaces, not markdown). */
const fenced = (text: string) => (text.includes('\n|---') ? text : `\`\`\`text\n${text}\n\`\`\``);

interface GatewaySummary {
  summary: Record<string, Record<string, { requestsPerSecond: number; p50Ms: number; p99Ms: number }>>;
  markdown: string;
}
interface FlowReport {
  perStage: Record<string, { p50Ms: number; p99Ms: number }>;
  inquiriesPerSecond: number;
  markdown: string;
}
type Latency = { p50Ms: number; p99Ms: number };
interface LiveReport {
  overall: Latency;
  committedToPublished: Latency;
  publishedToSubscriber: Latency;
  byGateway: Record<string, Latency>;
  markdown: string;
}

function readReport<T>(name: string): T | undefined {
  const file = new URL(`${name}.json`, results);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

function charts(ran: Set<string>): string[] {
  const written: string[] = [];
  const write = (file: string, svg: string) => {
    writeFileSync(new URL(file, results), svg);
    written.push(file);
  };
  const gateway = ran.has('gateway') ? readReport<GatewaySummary>('gateway') : undefined;
  if (gateway) {
    const workloads = Object.keys(gateway.summary);
    const peers = Object.keys(gateway.summary[workloads[0]!]!);
    write(
      'gateway-throughput.svg',
      barChart({
        title: 'Gateway throughput at concurrency 50 (higher is better)',
        unit: 'req/s',
        series: peers,
        groups: workloads.map((w) => ({
          label: w,
          values: peers.map((p) => gateway.summary[w]![p]?.requestsPerSecond ?? null),
        })),
      }),
    );
    write(
      'gateway-latency.svg',
      barChart({
        title: 'Gateway latency at concurrency 50, p50 and p99 (lower is better)',
        unit: 'ms',
        series: peers,
        groups: workloads.flatMap((w) =>
          (['p50Ms', 'p99Ms'] as const).map((q) => ({
            label: `${w} · ${q.slice(0, 3)}`,
            values: peers.map((p) => gateway.summary[w]![p]?.[q] ?? null),
          })),
        ),
      }),
    );
  }
  const flow = ran.has('flow') ? readReport<FlowReport>('flow') : undefined;
  if (flow) {
    write(
      'flow-stages.svg',
      barChart({
        title: `Whole inquiry, where the time goes (${flow.inquiriesPerSecond} inquiries/s)`,
        unit: 'ms',
        series: ['p50', 'p99'],
        groups: Object.entries(flow.perStage).map(([stage, t]) => ({
          label: stage,
          values: [t.p50Ms, t.p99Ms],
        })),
      }),
    );
  }
  const live = ran.has('live') ? readReport<LiveReport>('live') : undefined;
  if (live) {
    write(
      'live-latency.svg',
      barChart({
        title: 'Event → subscriber, 1,000 subscriptions over 2 gateways',
        unit: 'ms',
        series: ['p50', 'p99'],
        target: { value: 50, label: 'target p99 50 ms' },
        groups: [
          { label: 'event → subscriber', values: [live.overall.p50Ms, live.overall.p99Ms] },
          {
            label: 'committed → on NATS (outbox relay)',
            values: [live.committedToPublished.p50Ms, live.committedToPublished.p99Ms],
          },
          {
            label: 'on NATS → subscriber (gateway)',
            values: [live.publishedToSubscriber.p50Ms, live.publishedToSubscriber.p99Ms],
          },
        ],
      }),
    );
  }
  return written;
}

async function main() {
  mkdirSync(results, { recursive: true });
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    loadAtStart: load(),
  };
  say(
    `${stages.length} benchmarks: ${stages.join(', ')}; ${machine.cores} × ${machine.cpu}, load average ${machine.loadAtStart}`,
  );
  const runs: StageRun[] = [];
  for (const [i, name] of stages.entries()) runs.push(await run(name, i));
  const ran = new Set(runs.filter((r) => r.code === 0).map((r) => r.name));
  const svgs = charts(ran);
  const reportTables: Record<string, string> = {
    gateway: readReport<GatewaySummary>('gateway')?.markdown ?? '',
    flow: readReport<FlowReport>('flow')?.markdown ?? '',
    live: readReport<LiveReport>('live')?.markdown ?? '',
  };
  const lines = [
    '# Benchmarks, latest run',
    '',
    `Written by \`npm run bench\` (bench/all.ts) on ${new Date().toISOString()}.`,
    '',
    '| machine | |',
    '|---|---|',
    `| CPU | ${machine.cpu} |`,
    `| cores | ${machine.cores} (shared with other work: see the load averages) |`,
    `| memory | ${machine.memoryGiB} GiB |`,
    `| Node.js | ${machine.node} |`,
    `| load average at start (1, 5, 15 min) | ${machine.loadAtStart} |`,
    '',
    ...svgs.map((file) => `![${file}](${file})`),
    '',
  ];
  for (const r of runs) {
    lines.push(`## ${r.name}`, '');
    lines.push(
      `\`npm run bench:${r.name}\` — ${r.seconds.toFixed(0)} s, load average ${r.loadBefore} before, ${r.loadAfter} after`,
      '',
    );
    const table = r.code === 0 && reportTables[r.name] ? reportTables[r.name]! : r.tables;
    lines.push(table, '');
  }
  const skipped = optional.filter((name) => !stages.includes(name));
  if (skipped.length > 0) {
    lines.push(
      '## Not run here',
      '',
      `${skipped.join(', ')}: each launches platforms or simulations for minutes more; \`npm run bench -- --with ${skipped.join(',')}\` adds them.`,
      '',
    );
  }
  // As `npm run format` would write it, so the committed page passes the format check.
  const page = new URL('latest.md', results);
  const options = (await resolveConfig(fileURLToPath(page))) ?? {};
  writeFileSync(page, await format(lines.join('\n'), { ...options, parser: 'markdown' }));
  say(`written: bench/results/latest.md${svgs.map((f) => `, bench/results/${f}`).join('')}`);
  if (runs.some((r) => r.code !== 0)) process.exitCode = 1;
}

await main();
