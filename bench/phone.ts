/**
 * npm run bench:phone [-- --requests 2000 --concurrency 50 --rounds 3 --rate 100 --seconds 20]
 *
 * The OTP path as clients drive it: a platform launched as `npm start` runs it (each service its own
 * process, the Twilio emulator as Twilio), through the gateway with session tokens; the account's
 * fraud policy RECORD_ONLY (RECORD_ONLY_POLICY in support/launch.ts).
 * - startPhoneVerification and checkPhoneVerification at a fixed concurrency: requests/s, p50, p99
 *   per round (each start on an inquiry and a number of its own; each check with the right code);
 *   the median round is reported;
 * - startPhoneVerification at a fixed rate (open loop): p50, p99;
 * - where the time goes: each piece of a start timed alone, one call at a time, against the same
 *   running platform (fraud ask, its Lookup, the inquiry lookup, the Verify call, the phone subgraph
 *   called directly, through the gateway) and, under the fixed rate, the outbox lag (commit of the
 *   start → its event on NATS);
 * - with --profile, each process's CPU during the start rounds by component (pg driver, GraphQL,
 *   NATS client, Twilio SDK, our code…), from V8 CPU profiles of every child (CPU_PROFILE_DIR). The
 *   profiler costs CPU itself: the throughput of a profiled run is not the one to quote.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { streamName } from '@attestor/contracts';
import { createLogger, NatsBus, PiiCipher, request, signClaims, type Caller } from '@attestor/platform';
import { createTwilioClient } from '@attestor/twilio';
import { DEV_CREDENTIALS, emulatorControl } from '@attestor/twilio-emulator';
import { copyOfRepository } from '../test/support/repository-copy.js';
import { launchPlatform, RECORD_ONLY_POLICY } from './support/launch.js';
import { jsonClient, median, percentile, runLoad, type LoadResult } from './support/load.js';
import { cpuSeconds, cpuSpent } from './support/cpu.js';
import { runAtRate, timeAlone } from './support/open-loop.js';
import { cpuByComponent, monotonicMicros, readProfiles, type Window } from './support/profile.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    samples: { type: 'string', default: '200' },
    profile: { type: 'boolean', default: false },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const samples = Number(values.samples);
for (const [name, value] of Object.entries({ requests, concurrency, rounds, rate, seconds, samples })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}

const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const CONTEXT_SECRET = 'bench-context-secret-0123456789abcdef-phone';
const PII_KEY = Buffer.alloc(32, 9).toString('base64');
const DATABASE = 'attestor_bench_phone';
const BENCH_DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DATABASE}`;
const log = (line: string) => console.log(`[bench] ${line}`);

interface GraphQLAnswer<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

interface Flow {
  inquiryId: string;
  session: string;
  phone: string;
  verificationId?: string;
  code?: string;
}

let nextNumber = 0;
/** A fresh valid US number per flow (Verify keys pending verifications by number). */
function freshNumber(): string {
  const n = nextNumber++;
  const exchange = 200 + Math.floor(n / 10_000);
  return `+1415${String(exchange).padStart(3, '0')}${String(n % 10_000).padStart(4, '0')}`;
}

const START = `mutation($id: ID!, $p: String!) { startPhoneVerification(inquiryId: $id, phoneNumber: $p) {
  verification { id status } } }`;
const CHECK = `mutation($id: ID!, $code: String!) { checkPhoneVerification(verificationId: $id, code: $code) { status } }`;

async function main() {
  log('launching the platform (npm start layout, own namespace and database)');
  const namespace = `benchphone${Date.now().toString(36)}`;
  const copy = copyOfRepository();
  const profileDir = values.profile ? mkdtempSync(join(tmpdir(), 'attestor-profiles-')) : null;
  const startRounds: Window[] = [];
  const platform = await launchPlatform(
    {
      ADMIN_TOKEN,
      CONTEXT_SECRET,
      PII_KEY,
      NATS_NAMESPACE: namespace,
      DATABASE_URL: BENCH_DATABASE_URL,
      // Throughput, not the limiter, is measured here.
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
      // Every code of a round is read back for its check: keep them all.
      EMULATOR_OUTBOX_CAPACITY: '100000',
      ...(profileDir !== null && { CPU_PROFILE_DIR: profileDir }),
    },
    copy,
  );
  const base = Number(new URL(platform.gatewayUrl).port);
  const phoneUrl = `http://127.0.0.1:${base + 2}/graphql`;
  const http = jsonClient(platform.gatewayUrl, concurrency);
  const direct = jsonClient(phoneUrl, concurrency);
  const emulator = emulatorControl(platform.emulatorUrl);
  const nats = await connect({ servers: 'nats://127.0.0.1:4222' });
  const bus = await NatsBus.connect({
    url: 'nats://127.0.0.1:4222',
    namespace,
    name: 'bench-phone',
    logger: createLogger({ service: 'bench', level: 'silent', format: 'json' }),
  });
  try {
    const gql = async <T>(token: string, query: string, variables: Record<string, unknown> = {}) => {
      const answer = await http.post<GraphQLAnswer<T>>(
        { query, variables },
        { authorization: `Bearer ${token}` },
      );
      if (answer.json.errors) throw new Error(answer.json.errors.map((e) => e.message).join('; '));
      return answer.json.data as T;
    };
    const { createAccount } = await gql<{ createAccount: { account: { id: string }; apiKey: string } }>(
      ADMIN_TOKEN,
      'mutation { createAccount(name: "Bench Bank") { account { id } apiKey } }',
    );
    const { apiKey } = createAccount;
    const accountId = createAccount.account.id;
    await gql(apiKey, RECORD_ONLY_POLICY);
    const { createInquiryTemplate } = await gql<{ createInquiryTemplate: { id: string } }>(
      apiKey,
      'mutation { createInquiryTemplate(input: { name: "Phone", steps: [PHONE_OTP] }) { id } }',
    );

    /** Inquiries with a number each, seeded low risk so the fraud engine allows the send. */
    const prepare = async (count: number): Promise<Flow[]> => {
      const flows: Flow[] = [];
      await runLoad(count, concurrency, async () => {
        const phone = freshNumber();
        await emulator.seed({ phoneNumber: phone, lineType: 'mobile', smsPumpingRiskScore: 1 });
        const created = await gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
          apiKey,
          'mutation($t: ID!) { createInquiry(input: { templateId: $t }) { inquiry { id } sessionToken } }',
          { t: createInquiryTemplate.id },
        );
        flows.push({
          inquiryId: created.createInquiry.inquiry.id,
          session: created.createInquiry.sessionToken,
          phone,
        });
        return true;
      });
      return flows;
    };
    const start = async (flow: Flow) => {
      const answer = await http.post<
        GraphQLAnswer<{ startPhoneVerification: { verification: { id: string; status: string } } }>
      >(
        { query: START, variables: { id: flow.inquiryId, p: flow.phone } },
        { authorization: `Bearer ${flow.session}` },
      );
      const verification = answer.json.data?.startPhoneVerification.verification;
      if (verification?.status !== 'PENDING') return false;
      flow.verificationId = verification.id;
      return true;
    };
    const check = async (flow: Flow) => {
      const answer = await http.post<GraphQLAnswer<{ checkPhoneVerification: { status: string } }>>(
        { query: CHECK, variables: { id: flow.verificationId, code: flow.code } },
        { authorization: `Bearer ${flow.session}` },
      );
      return answer.json.data?.checkPhoneVerification.status === 'APPROVED';
    };

    const total = requests * rounds + Math.min(200, requests) + rate * seconds;
    log(`preparing ${total} inquiries and numbers`);
    const pool = await prepare(total);
    const take = (count: number) => pool.splice(0, count);

    const warmUp = take(Math.min(200, requests));
    log(`warm-up: ${warmUp.length} starts`);
    await runLoad(warmUp.length, concurrency, (i) => start(warmUp[i]!));

    const results: Record<string, LoadResult[]> = { startPhoneVerification: [], checkPhoneVerification: [] };
    const backends = await postgresBackends();
    const processes = processMatchers(copy, backends);
    const cpuOfStarts: Array<Record<string, number>> = [];
    for (let round = 1; round <= rounds; round++) {
      const flows = take(requests);
      const cpuBefore = cpuSeconds(processes);
      const fromUs = monotonicMicros();
      const s = await runLoad(requests, concurrency, (i) => start(flows[i]!));
      startRounds.push({ fromUs, toUs: monotonicMicros() });
      // Pools open connections as the load needs them: name the backends opened during the round too.
      for (const [pid, name] of await postgresBackends()) backends.set(pid, name);
      cpuOfStarts.push(cpuSpent(cpuBefore, cpuSeconds(processes)));
      results['startPhoneVerification']!.push(s);
      log(`round ${round}/${rounds} starts: ${summary(s)}`);
      const started = flows.filter((flow) => flow.verificationId !== undefined);
      await runLoad(started.length, concurrency, async (i) => {
        started[i]!.code = await emulator.latestCode(started[i]!.phone);
        return true;
      });
      const c = await runLoad(started.length, concurrency, (i) => check(started[i]!));
      results['checkPhoneVerification']!.push(c);
      log(`round ${round}/${rounds} checks: ${summary(c)}`);
    }

    log(`fixed rate: ${rate} starts/s for ${seconds} s, with the outbox lag`);
    const paced = take(rate * seconds);
    const answeredAt = new Map<string, number>();
    const eventAt = new Map<string, number>();
    const events = bus.connection.subscribe(`${bus.namespace}phone.verification.started.>`, {
      callback: (_error, message) => {
        const id = message.subject.split('.').pop() ?? '';
        eventAt.set(id, performance.now());
      },
    });
    const fixed = await runAtRate(paced.length, rate, async (i) => {
      const ok = await start(paced[i]!);
      if (ok) answeredAt.set(paced[i]!.verificationId!, performance.now());
      return ok;
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    events.unsubscribe();
    const lags = [...answeredAt].flatMap(([id, at]) => {
      const seen = eventAt.get(id);
      return seen === undefined ? [] : [seen - at];
    });
    lags.sort((a, b) => a - b);
    log(`fixed rate: ${summary(fixed)} (at most ${fixed.behindMs.toFixed(0)} ms behind schedule)`);

    log(`where the time goes: ${samples} of each piece of a start, one at a time`);
    const pii = new PiiCipher(PII_KEY);
    const twilio = createTwilioClient({ ...DEV_CREDENTIALS, emulatorUrl: platform.emulatorUrl });
    const alone = await prepare(samples * 2);
    const gatewayStarts = alone.slice(0, samples);
    const directStarts = alone.slice(samples);
    const timings = {
      'gateway → phone (a whole start)': await timeAlone(samples, (i) => start(gatewayStarts[i]!)),
      'phone subgraph called directly (a whole start)': await timeAlone(samples, async (i) => {
        const flow = directStarts[i]!;
        const caller: Caller = { kind: 'session', accountId, inquiryId: flow.inquiryId };
        const body = { query: START, variables: { id: flow.inquiryId, p: flow.phone } };
        const headers = signClaims(
          CONTEXT_SECRET,
          { caller, requestId: `bench-${i}`, ip: '203.0.113.9' },
          JSON.stringify(body),
        );
        await direct.post(body, headers);
      }),
      'rpc.fraud.assess (includes its Lookup)': await timeAlone(samples, (i) =>
        request(
          bus,
          'rpc.fraud.assess',
          {
            accountId,
            inquiryId: alone[i]!.inquiryId,
            verificationId: `bench-${i}`,
            phoneNumberSealed: pii.seal(freshNumber()),
            countryCode: 'US',
            channel: 'SMS',
            ip: '203.0.113.9',
          },
          { timeoutMs: 5000 },
        ),
      ),
      'Lookup (SDK → emulator)': await timeAlone(samples, () =>
        twilio.lookup.lookup(freshNumber(), { fields: ['sms_pumping_risk', 'line_type_intelligence'] }),
      ),
      'rpc.inquiry.lookup': await timeAlone(samples, (i) =>
        request(
          bus,
          'rpc.inquiry.lookup',
          { accountId, inquiryId: alone[i]!.inquiryId },
          { timeoutMs: 5000 },
        ),
      ),
      'Verify send (SDK → emulator)': await timeAlone(samples, () =>
        twilio.otp.send({ to: freshNumber(), channel: 'sms' }),
      ),
    };

    const medianRound = Object.fromEntries(
      Object.entries(results).map(([name, list]) => [
        name,
        {
          requestsPerSecond: round1(median(list.map((r) => r.requestsPerSecond))),
          p50Ms: round1(median(list.map((r) => r.p50Ms))),
          p99Ms: round1(median(list.map((r) => r.p99Ms))),
          failures: list.reduce((n, r) => n + r.failures, 0),
        },
      ]),
    );
    // CPU per start, by process, over the start rounds (ms): the median round's figures per process.
    const cpuPerStartMs = Object.fromEntries(
      Object.keys(processes).map((name) => [
        name,
        round1(median(cpuOfStarts.map((spent) => ((spent[name] ?? 0) * 1000) / requests))),
      ]),
    );
    const report = {
      when: new Date().toISOString(),
      node: process.version,
      requests,
      concurrency,
      rounds,
      medianRound,
      fixedRate: {
        perSecond: rate,
        requests: fixed.requests,
        p50Ms: round1(fixed.p50Ms),
        p99Ms: round1(fixed.p99Ms),
        failures: fixed.failures,
        outboxLagP50Ms: round1(percentile(lags, 50)),
        outboxLagP99Ms: round1(percentile(lags, 99)),
      },
      cpuPerStartMs,
      alone: Object.fromEntries(
        Object.entries(timings).map(([name, t]) => [
          name,
          { p50Ms: round1(t.p50Ms), p99Ms: round1(t.p99Ms) },
        ]),
      ),
    };
    console.log('\n' + table(report));
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    const file = new URL(`./results/phone-${report.when.replace(/[:.]/g, '-')}.json`, import.meta.url);
    writeFileSync(file, JSON.stringify(report, null, 2));
    log(`written to ${file.pathname}`);
  } finally {
    http.close();
    direct.close();
    await bus.close();
    await platform.stop();
    rmSync(copy, { recursive: true, force: true });
    await removeBenchState(namespace, nats);
  }
  // The children write their profiles as they exit: read once the platform has stopped.
  if (profileDir !== null) {
    console.log('\n' + profileTable(profileDir, startRounds, requests * rounds));
    log(`profiles kept in ${profileDir} (open a .cpuprofile in Chrome DevTools)`);
  }
}

/** Each process's CPU during the start rounds by component, the biggest first (ms per start). */
function profileTable(dir: string, windows: Window[], starts: number): string {
  const lines = [
    `CPU per start during the start rounds, by process and component, from the V8 profiles (${dir})`,
    '| process | component | CPU ms per start | share of the process |',
    '|---|---|---|---|',
  ];
  for (const [child, profiles] of readProfiles(dir)) {
    const spent = [...cpuByComponent(profiles, windows)].sort((a, b) => b[1] - a[1]);
    const total = spent.reduce((sum, [, ms]) => sum + ms, 0);
    const shown = spent.slice(0, 6);
    const rest = spent.slice(6).reduce((sum, [, ms]) => sum + ms, 0);
    for (const [component, ms] of [...shown, ...(rest > 0 ? [['everything else', rest] as const] : [])]) {
      lines.push(
        `| ${child} | ${component} | ${(ms / starts).toFixed(2)} | ${((100 * ms) / Math.max(total, 1e-9)).toFixed(0)}% |`,
      );
    }
  }
  return lines.join('\n');
}

/** Each Postgres backend of the run's database, by the service it serves (application_name attestor-<schema>). */
async function postgresBackends(): Promise<Map<number, string>> {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL, application_name: 'bench-phone' });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number; application_name: string }>(
      'SELECT pid, application_name FROM pg_stat_activity WHERE datname = $1',
      [DATABASE],
    );
    // attestor-<schema>, or attestor-<schema>-<pool> for a service's pools of its own (openSidePool).
    return new Map(
      rows.map((row) => [row.pid, row.application_name.replace(/^attestor-([a-z0-9_]+).*$/, '$1')]),
    );
  } finally {
    await client.end();
  }
}

/**
 * The platform's processes, found by the copy they run from; Postgres backends by the service whose
 * pool holds them (the pools are open by the time this runs: the warm-up used them).
 */
function processMatchers(
  copy: string,
  backends: Map<number, string>,
): Record<string, (commandLine: string, pid: number) => boolean> {
  const service = (name: string) => (line: string) => line.includes(`${copy}/services/${name}/src/main.ts`);
  const backendOf = (name: string) => (line: string, pid: number) =>
    line.startsWith('postgres:') && backends.get(pid) === name;
  return {
    gateway: service('gateway'),
    phone: service('phone'),
    inquiry: service('inquiry'),
    fraud: service('fraud'),
    identity: service('identity'),
    'twilio emulator': (line) => line.includes(`${copy}/infra/twilio-emulator/src/main.ts`),
    'postgres for phone': backendOf('phone'),
    'postgres for inquiry': backendOf('inquiry'),
    'postgres for fraud': backendOf('fraud'),
    'postgres for identity': backendOf('identity'),
    'postgres, other backends of the run': (line, pid) =>
      line.startsWith('postgres:') && line.includes(DATABASE) && !backends.has(pid),
    'nats-server (shared)': (line) => line.includes('nats-server'),
  };
}

/** Drops what a run created (its database and its stream), so every run starts from the same state. */
async function removeBenchState(namespace: string, nats: NatsConnection): Promise<void> {
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`).finally(() => admin.end());
  const jsm = await nats.jetstreamManager();
  await jsm.streams.delete(streamName(namespace)).catch(() => false);
  await nats.close();
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const summary = (r: LoadResult) =>
  `${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${r.failures} failed`;

function table(report: {
  medianRound: Record<string, { requestsPerSecond: number; p50Ms: number; p99Ms: number; failures: number }>;
  fixedRate: {
    perSecond: number;
    requests: number;
    p50Ms: number;
    p99Ms: number;
    failures: number;
    outboxLagP50Ms: number;
    outboxLagP99Ms: number;
  };
  alone: Record<string, { p50Ms: number; p99Ms: number }>;
  cpuPerStartMs: Record<string, number>;
  concurrency: number;
  requests: number;
  rounds: number;
}): string {
  const rows = Object.entries(report.medianRound).map(
    ([name, r]) =>
      `| ${name} (c=${report.concurrency}) | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.failures} |`,
  );
  const f = report.fixedRate;
  return [
    `median of ${report.rounds} rounds of ${report.requests} requests`,
    '| operation | requests/s | p50 ms | p99 ms | failures |',
    '|---|---|---|---|---|',
    ...rows,
    `| startPhoneVerification at ${f.perSecond}/s (${f.requests}) | ${f.perSecond} | ${f.p50Ms} | ${f.p99Ms} | ${f.failures} |`,
    `| outbox lag under it (commit → event on NATS) | — | ${f.outboxLagP50Ms} | ${f.outboxLagP99Ms} | — |`,
    '',
    'where the time of a start goes (each piece alone, one call at a time)',
    '| piece | p50 ms | p99 ms |',
    '|---|---|---|',
    ...Object.entries(report.alone).map(([name, t]) => `| ${name} | ${t.p50Ms} | ${t.p99Ms} |`),
    '',
    `CPU per start at c=${report.concurrency}, by process (ms; 2 cores give 2000 ms per second)`,
    '| process | CPU ms per start |',
    '|---|---|',
    ...Object.entries(report.cpuPerStartMs).map(([name, ms]) => `| ${name} | ${ms} |`),
  ].join('\n');
}

await main();
