/**
 * npm run bench:inquiry [-- --requests 2000 --concurrency 50 --rounds 3 --subscribers 100]
 *
 * Through the gateway of a platform launched as `npm start` runs it (separate processes, keep-alive
 * HTTP): createInquiry and the inquiry query (inquiry + phone subgraphs) at a fixed concurrency —
 * requests/s, p50 and p99 per round, the median round reported — and event-to-subscriber latency: the
 * time from an inquiry event (its `at`) to the graphql-ws message carrying it.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import { connect } from 'nats';
import pg from 'pg';
import WebSocket from 'ws';
import { streamName } from '@attestor/contracts';
import { emulatorControl, type EmulatorControl } from '@attestor/twilio-emulator';
import { jsonClient, median, percentile, runLoad, type LoadResult } from './support/load.js';
import { copyOfRepository } from '../test/support/repository-copy.js';
import { launchPlatform, RECORD_ONLY_POLICY } from './support/launch.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    subscribers: { type: 'string', default: '100' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const subscribers = Number(values.subscribers);
for (const [name, value] of Object.entries({ requests, concurrency, rounds, subscribers })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}

const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/attestor_bench';
const log = (line: string) => console.log(`[bench] ${line}`);

interface GraphQLAnswer<T> {
  data?: T;
  errors?: Array<{ message: string }>;
}

async function main() {
  log('launching the platform (npm start layout, own namespace and database)');
  const namespace = `bench${Date.now().toString(36)}`;
  // From a copy of the repository, so the run's .data (its dev account) never replaces a developer's.
  const copy = copyOfRepository();
  const platform = await launchPlatform(
    {
      ADMIN_TOKEN,
      NATS_NAMESPACE: namespace,
      DATABASE_URL: BENCH_DATABASE_URL,
      // Throughput, not the limiter, is measured here.
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
    },
    copy,
  );
  const http = jsonClient(platform.gatewayUrl, concurrency);
  try {
    const gql = async <T>(token: string, query: string, variables: Record<string, unknown> = {}) => {
      const answer = await http.post<GraphQLAnswer<T>>(
        { query, variables },
        { authorization: `Bearer ${token}` },
      );
      if (answer.json.errors) throw new Error(answer.json.errors.map((e) => e.message).join('; '));
      return answer.json.data as T;
    };
    const { createAccount } = await gql<{ createAccount: { apiKey: string } }>(
      ADMIN_TOKEN,
      'mutation { createAccount(name: "Benchmark") { apiKey } }',
    );
    const apiKey = createAccount.apiKey;
    const { createInquiryTemplate } = await gql<{ createInquiryTemplate: { id: string } }>(
      apiKey,
      'mutation { createInquiryTemplate(input: { name: "Bench", steps: [PHONE_OTP] }) { id } }',
    );
    const templateId = createInquiryTemplate.id;
    // A blocked start is no transition: its subscriber would wait for ever.
    await gql(apiKey, RECORD_ONLY_POLICY);
    const created: Array<{ id: string; sessionToken: string }> = [];
    const create = async (i: number) => {
      const answer = await http.post<
        GraphQLAnswer<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>
      >(
        {
          query: `mutation($t: ID!, $r: String!) { createInquiry(input: { templateId: $t, referenceId: $r,
            fields: { nameFirst: "Ada", nameLast: "Lovelace", birthdate: "1990-12-10", phoneNumber: "+14155550100" } }) {
            inquiry { id } sessionToken } }`,
          variables: { t: templateId, r: `bench-${i}` },
        },
        { authorization: `Bearer ${apiKey}` },
      );
      const payload = answer.json.data?.createInquiry;
      if (!payload) return false;
      created.push({ id: payload.inquiry.id, sessionToken: payload.sessionToken });
      return true;
    };
    const read = async (i: number) => {
      const inquiry = created[i % created.length]!;
      const answer = await http.post<GraphQLAnswer<{ inquiry: { id: string } | null }>>(
        {
          query:
            'query($id: ID!) { inquiry(id: $id) { id status createdAt fields { nameFirst } phoneVerifications { status } } }',
          variables: { id: inquiry.id },
        },
        { authorization: `Bearer ${apiKey}` },
      );
      return answer.status === 200 && answer.json.data?.inquiry?.id === inquiry.id;
    };

    log(`warm-up: ${Math.min(200, requests)} createInquiry`);
    await runLoad(Math.min(200, requests), concurrency, create);
    const results: Record<string, LoadResult[]> = { createInquiry: [], inquiry: [] };
    for (let round = 1; round <= rounds; round++) {
      const c = await runLoad(requests, concurrency, create);
      results['createInquiry']!.push(c);
      log(`round ${round}/${rounds} createInquiry: ${summary(c)}`);
      const q = await runLoad(requests, concurrency, read);
      results['inquiry']!.push(q);
      log(`round ${round}/${rounds} inquiry query:  ${summary(q)}`);
    }

    log(`event-to-subscriber: ${subscribers} subscriptions, one transition each`);
    const latencies = await subscriberLatency(
      platform.gatewayUrl,
      apiKey,
      created.slice(-subscribers),
      gql,
      emulatorControl(platform.emulatorUrl),
    );

    const report = {
      when: new Date().toISOString(),
      node: process.version,
      requests,
      concurrency,
      rounds,
      medianRound: Object.fromEntries(
        Object.entries(results).map(([name, list]) => [
          name,
          {
            requestsPerSecond: round1(median(list.map((r) => r.requestsPerSecond))),
            p50Ms: round1(median(list.map((r) => r.p50Ms))),
            p99Ms: round1(median(list.map((r) => r.p99Ms))),
            failures: list.reduce((n, r) => n + r.failures, 0),
          },
        ]),
      ),
      eventToSubscriber: {
        samples: latencies.length,
        p50Ms: round1(percentile(latencies, 50)),
        p99Ms: round1(percentile(latencies, 99)),
      },
    };
    console.log('\n' + table(report));
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    const file = new URL(`./results/inquiry-${report.when.replace(/[:.]/g, '-')}.json`, import.meta.url);
    writeFileSync(file, JSON.stringify(report, null, 2));
    log(`written to ${file.pathname}`);
  } finally {
    http.close();
    await platform.stop();
    rmSync(copy, { recursive: true, force: true });
    await removeBenchState(namespace);
  }
}

/** Drops what a run created (its database and its stream), so every run starts from the same state. */
async function removeBenchState(namespace: string): Promise<void> {
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS attestor_bench WITH (FORCE)').finally(() => admin.end());
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete(streamName(namespace)).catch(() => false);
  await nc.close();
}

/** Subscribes to each inquiry, starts its phone step, and times event → message. */
async function subscriberLatency(
  gatewayUrl: string,
  apiKey: string,
  inquiries: Array<{ id: string; sessionToken: string }>,
  gql: <T>(token: string, query: string, variables?: Record<string, unknown>) => Promise<T>,
  emulator: EmulatorControl,
): Promise<number[]> {
  const sockets: Client[] = Array.from({ length: Math.max(1, Math.ceil(inquiries.length / 25)) }, () =>
    createClient({
      url: gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${apiKey}` },
      retryAttempts: 0,
    }),
  );
  const latencies: number[] = [];
  const waits = inquiries.map(
    (inquiry, i) =>
      new Promise<void>((resolve, reject) => {
        let messages = 0;
        let subscribed: () => void = () => undefined;
        const unsubscribe = sockets[i % sockets.length]!.subscribe(
          {
            query: 'subscription($id: ID!) { inquiryUpdated(id: $id) { status events { at } } }',
            variables: { id: inquiry.id },
          },
          {
            next: (message) => {
              messages += 1;
              if (messages === 1) return subscribed();
              const events = (message.data as { inquiryUpdated: { events: Array<{ at: string }> } })
                .inquiryUpdated.events;
              latencies.push(Date.now() - Date.parse(events[events.length - 1]!.at));
              unsubscribe();
              resolve();
            },
            error: reject,
            complete: () => resolve(),
          },
        );
        void new Promise<void>((ready) => (subscribed = ready))
          .then(async () => {
            const phone = `+1415555${String(1000 + i).padStart(4, '0')}`;
            // A mobile number with a low risk: an unseeded one may be a landline, which SMS cannot reach.
            await emulator.seed({ phoneNumber: phone, lineType: 'mobile', smsPumpingRiskScore: 1 });
            await gql(
              inquiry.sessionToken,
              'mutation($id: ID!, $p: String!) { startPhoneVerification(inquiryId: $id, phoneNumber: $p) { verification { id } } }',
              {
                id: inquiry.id,
                p: phone,
              },
            );
          })
          .catch(reject);
      }),
  );
  await Promise.all(waits);
  for (const socket of sockets) await socket.dispose();
  return latencies.sort((a, b) => a - b);
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const summary = (r: LoadResult) =>
  `${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${r.failures} failed`;

function table(report: {
  medianRound: Record<string, { requestsPerSecond: number; p50Ms: number; p99Ms: number; failures: number }>;
  eventToSubscriber: { samples: number; p50Ms: number; p99Ms: number };
  concurrency: number;
  requests: number;
  rounds: number;
}): string {
  const rows = Object.entries(report.medianRound).map(
    ([name, r]) =>
      `| ${name} (c=${report.concurrency}) | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.failures} |`,
  );
  return [
    `median of ${report.rounds} rounds of ${report.requests} requests`,
    '| operation | requests/s | p50 ms | p99 ms | failures |',
    '|---|---|---|---|---|',
    ...rows,
    `| event → subscriber (${report.eventToSubscriber.samples} samples) | — | ${report.eventToSubscriber.p50Ms} | ${report.eventToSubscriber.p99Ms} | — |`,
  ].join('\n');
}

await main();
