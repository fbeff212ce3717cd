import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePortBase } from '../../test/support/launch.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A bench sends thousands of codes to one range from one address: what SMS pumping looks like, and what
 * the fraud engine stops. Benches measure the path, so their accounts run the fraud policy RECORD_ONLY:
 * every rule is evaluated (and paid for) and recorded, none refuses a send.
 */
export const RECORD_ONLY_POLICY = 'mutation { updateFraudPolicy(input: { mode: RECORD_ONLY }) { mode } }';

export interface LaunchedPlatform {
  gatewayUrl: string;
  /** Where its subgraphs listen (the gateway's INQUIRY_URL…), for a second gateway in front of them. */
  subgraphUrls: Record<'inquiry' | 'phone' | 'fraud' | 'identity', string>;
  emulatorUrl: string;
  /** The launcher's own "N s to ready". */
  readySeconds: number;
  /** Stops it with SIGINT, as Ctrl-C would; resolves with its exit code. */
  stop(): Promise<number | null>;
  /** The last `chars` of what the platform printed (its warnings and errors): what a failed run shows. */
  outputTail(chars?: number): string;
}

/**
 * The platform as `npm start` runs it (each service its own process), on free ports and its own NATS
 * namespace and database, so a benchmark measures the real process layout and disturbs nothing.
 */
export async function launchPlatform(
  env: Record<string, string>,
  cwd: string = root,
): Promise<LaunchedPlatform> {
  const base = await freePortBase();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'infra/dev/start.ts'], {
    cwd,
    env: { ...process.env, ATTESTOR_PORT_BASE: String(base), LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/GraphQL:\s+http/.test(output) && /to ready\)/.test(output)) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`launcher exited (${code}) before ready:\n${output.slice(-2000)}`)),
    );
  });
  await ready;
  return {
    gatewayUrl: `http://127.0.0.1:${base}/graphql`,
    subgraphUrls: {
      inquiry: `http://127.0.0.1:${base + 1}/graphql`,
      phone: `http://127.0.0.1:${base + 2}/graphql`,
      fraud: `http://127.0.0.1:${base + 3}/graphql`,
      identity: `http://127.0.0.1:${base + 4}/graphql`,
    },
    emulatorUrl: `http://127.0.0.1:${base + 10}`,
    readySeconds: Number(/\((\d+(?:\.\d+)?) s to ready\)/.exec(output)?.[1] ?? Number.NaN),
    outputTail: (chars = 4000) => output.slice(-chars),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGINT');
      }),
  };
}
