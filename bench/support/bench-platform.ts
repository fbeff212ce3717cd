import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'nats';
import pg from 'pg';
import { streamName } from '@attestor/contracts';
import { emulatorControl } from '@attestor/twilio-emulator';
import { freePort } from '../../test/support/launch.js';
import { copyOfRepository } from '../../test/support/repository-copy.js';
import { launchPlatform, RECORD_ONLY_POLICY, type LaunchedPlatform } from './launch.js';
import { jsonClient } from './load.js';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const CONTEXT_SECRET = 'bench-context-secret-0123456789abcdef-gateway';
export const log = (line: string) => console.log(`[bench] ${line}`);

export interface GraphQLAnswer<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

export interface BenchPlatform {
  platform: LaunchedPlatform;
  /** Environment a second gateway needs to join it (its NATS namespace, secrets, subgraph URLs). */
  env: Record<string, string>;
  /** The repository copy it runs from. */
  copy: string;
  namespace: string;
  emulator: ReturnType<typeof emulatorControl>;
  /** GraphQL through its gateway (or `url`); throws on errors. */
  gql<T>(token: string, query: string, variables?: Record<string, unknown>, url?: string): Promise<T>;
  /** An account (its fraud policy RECORD_ONLY_POLICY), its API key and a template with `steps`. */
  account(name: string, steps: string): Promise<{ apiKey: string; templateId: string }>;
  stop(): Promise<void>;
}

/**
 * The platform as `npm start` runs it for one benchmark: from a copy of the repository (its .data never
 * replaces a developer's), on free ports, in its own NATS namespace and database, the rate limit out of
 * the way; everything it made is dropped at stop, so every run starts from the same state.
 */
export async function startBenchPlatform(
  name: string,
  env: Record<string, string> = {},
  connections = 64,
): Promise<BenchPlatform> {
  const namespace = `bench${name}${Date.now().toString(36)}`;
  const database = `attestor_bench_${name}`;
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
  const copy = copyOfRepository();
  const shared = {
    ADMIN_TOKEN,
    CONTEXT_SECRET,
    PII_KEY: randomBytes(32).toString('base64'),
    NATS_NAMESPACE: namespace,
    DATABASE_URL: databaseUrl,
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
    EMULATOR_OUTBOX_CAPACITY: '100000',
  };
  log(`launching the platform (npm start layout, namespace ${namespace})`);
  const platform = await launchPlatform({ ...shared, ...env }, copy);
  const clients = new Map<string, ReturnType<typeof jsonClient>>();
  const client = (url: string) => {
    let found = clients.get(url);
    if (!found) clients.set(url, (found = jsonClient(url, connections)));
    return found;
  };
  const gql = async <T>(
    token: string,
    query: string,
    variables: Record<string, unknown> = {},
    url?: string,
  ) => {
    const answer = await client(url ?? platform.gatewayUrl).post<GraphQLAnswer<T>>(
      { query, variables },
      { authorization: `Bearer ${token}` },
    );
    if (answer.json.errors) throw new Error(answer.json.errors.map((e) => e.message).join('; '));
    return answer.json.data as T;
  };
  return {
    platform,
    env: {
      ...shared,
      INQUIRY_URL: platform.subgraphUrls.inquiry,
      PHONE_URL: platform.subgraphUrls.phone,
      FRAUD_URL: platform.subgraphUrls.fraud,
      IDENTITY_URL: platform.subgraphUrls.identity,
      SUPERGRAPH_PATH: `${copy}/services/gateway/supergraph.graphql`,
    },
    copy,
    namespace,
    emulator: emulatorControl(platform.emulatorUrl),
    gql,
    account: async (accountName, steps) => {
      const { createAccount } = await gql<{ createAccount: { apiKey: string } }>(
        ADMIN_TOKEN,
        `mutation { createAccount(name: "${accountName}") { apiKey } }`,
      );
      await gql(createAccount.apiKey, RECORD_ONLY_POLICY);
      const { createInquiryTemplate } = await gql<{ createInquiryTemplate: { id: string } }>(
        createAccount.apiKey,
        `mutation { createInquiryTemplate(input: { name: "Bench", steps: [${steps}] }) { id } }`,
      );
      return { apiKey: createAccount.apiKey, templateId: createInquiryTemplate.id };
    },
    stop: async () => {
      for (const c of clients.values()) c.close();
      await platform.stop();
      rmSync(copy, { recursive: true, force: true });
      const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).finally(() => admin.end());
      const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(streamName(namespace)).catch(() => false);
      await nc.close();
    },
  };
}

let nextNumber = 0;
/** A fresh valid US number per flow (Verify keys pending verifications by number). */
export function freshNumber(exchangeBase = 300): string {
  const n = nextNumber++;
  const exchange = exchangeBase + Math.floor(n / 10_000);
  return `+1415${String(exchange).padStart(3, '0')}${String(n % 10_000).padStart(4, '0')}`;
}

/** Writes a bench's report as bench/results/<name>.json (what `npm run bench` collects). */
export function writeReport(name: string, report: unknown): string {
  mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
  const file = new URL(`../results/${name}.json`, import.meta.url);
  writeFileSync(file, JSON.stringify(report, null, 2));
  return file.pathname;
}

export const round1 = (n: number) => Math.round(n * 10) / 10;

/** One more of our gateways (its own process, as `npm start` runs one) in front of the same subgraphs. */
export async function startAnotherGateway(
  bench: BenchPlatform,
): Promise<{ url: string; matches: (line: string, pid: number) => boolean; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', `${bench.copy}/services/gateway/src/main.ts`], {
    cwd: bench.copy,
    env: { ...process.env, ...bench.env, PORT: String(port), LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`the second gateway exited (${child.exitCode})`);
    const ready = await fetch(`${url}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (tries > 600) throw new Error('the second gateway did not get ready in 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `${url}/graphql`,
    matches: (_line, pid) => pid === child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
