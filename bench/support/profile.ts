import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a process's CPU went, from the V8 CPU profiles `npm start` children write under
 * CPU_PROFILE_DIR (`--cpu-prof`): the samples taken inside the bench's windows, each given to the
 * component that spent it — the innermost frame on its stack that belongs to a package or to our
 * code, so a socket write is charged to the driver that made it and not to Node's `net`.
 */

/** A time on the clock V8's profiler uses (CLOCK_MONOTONIC, in µs): bench windows and samples compare. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface Window {
  fromUs: number;
  toUs: number;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Package groups worth naming together; anything else is named by its package. */
const groups: Array<[RegExp, string]> = [
  [/^(pg|pg-protocol|pg-pool|pg-types|pgpass|postgres-.*)$/, 'pg driver'],
  [/^typeorm$/, 'TypeORM'],
  [/^(nats|nkeys\.js)$/, 'NATS client'],
  [/^(twilio|axios|follow-redirects|form-data|qs|scmp)$/, 'Twilio SDK (axios)'],
  [
    /^(graphql|@apollo\/.*|@graphql-tools\/.*|@escape\.tech\/.*|graphql-ws|ws)$/,
    'GraphQL (Apollo, graphql-js, ws)',
  ],
  [/^(pino|pino-.*|@pinojs\/.*|sonic-boom|thread-stream)$/, 'logging (pino)'],
  [/^(@opentelemetry\/.*)$/, 'OpenTelemetry API'],
  [/^(prom-client|tdigest|bintrees)$/, 'metrics (prom-client)'],
];

function packageOf(url: string): string | null {
  const at = url.lastIndexOf('/node_modules/');
  if (at === -1) return null;
  const rest = url.slice(at + '/node_modules/'.length).split('/');
  const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? '');
  return groups.find(([pattern]) => pattern.test(name))?.[1] ?? name;
}

function ownCodeOf(url: string): string | null {
  const match = /\/(services\/[a-z-]+|packages\/[a-z-]+|infra\/twilio-emulator)\/src\//.exec(url);
  return match ? `our code: ${match[1]}` : null;
}

/** CPU time (ms) inside `windows`, by component, summed over the profiles given. */
export function cpuByComponent(profiles: CpuProfile[], windows: Window[]): Map<string, number> {
  const spent = new Map<string, number>();
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const componentOf = new Map<number, string>();
    const classify = (id: number): string => {
      const known = componentOf.get(id);
      if (known !== undefined) return known;
      const leaf = byId.get(id)!.callFrame.functionName;
      let component: string | null =
        leaf === '(garbage collector)' ? 'garbage collection' : leaf === '(program)' ? 'V8 (program)' : null;
      for (let at: number | undefined = id; component === null && at !== undefined; at = parent.get(at)) {
        const url = byId.get(at)!.callFrame.url;
        component = packageOf(url) ?? ownCodeOf(url);
      }
      const named = component ?? 'Node.js internals (timers, http, streams)';
      componentOf.set(id, named);
      return named;
    };
    let at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      at += profile.timeDeltas[i]!;
      const id = profile.samples[i]!;
      if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
      if (!windows.some((w) => at >= w.fromUs && at < w.toUs)) continue;
      const component = classify(id);
      // A sample stands for the time since the one before it.
      spent.set(component, (spent.get(component) ?? 0) + profile.timeDeltas[i]! / 1000);
    }
  }
  return spent;
}

/** The profiles each child wrote under `dir` (one folder per child, one file per thread). */
export function readProfiles(dir: string): Map<string, CpuProfile[]> {
  const found = new Map<string, CpuProfile[]>();
  if (!existsSync(dir)) return found;
  for (const child of readdirSync(dir)) {
    const files = readdirSync(join(dir, child)).filter((file) => file.endsWith('.cpuprofile'));
    found.set(
      child,
      files.map((file) => JSON.parse(readFileSync(join(dir, child, file), 'utf8')) as CpuProfile),
    );
  }
  return found;
}
