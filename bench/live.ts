/**
 * npm run bench:live [-- --subscriptions 1000 --rate 50 --per-socket 10]
 *
 * Live status at scale: `subscriptions` open `inquiryUpdated(id)` subscriptions, one per inquiry,
 * spread over two of our gateways (the one `npm start` runs and a second in its own process, both on
 * the same subgraphs and NATS namespace), `per-socket` subscriptions on each graphql-ws socket. Then
 * every inquiry gets one transition (its phone step starts: CREATED → PENDING), `rate` a second, and
 * each subscriber times the message carrying it against the event's own time (`events.at`, when the
 * inquiry service committed it): event → subscriber p50 / p99, overall and per gateway. Target p99 <
 * 50 ms on this machine.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import { connect, JSONCodec } from 'nats';
import WebSocket from 'ws';
import { cpuSeconds, cpuSpent } from './support/cpu.js';
import {
  freshNumber,
  log,
  round1,
  startAnotherGateway,
  startBenchPlatform,
  writeReport,
} from './support/bench-platform.js';
import { percentile, runLoad } from './support/load.js';
import { runAtRate } from './support/open-loop.js';

const { values } = parseArgs({
  options: {
    subscriptions: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '50' },
    'per-socket': { type: 'string', default: '10' },
  },
});
const subscriptions = Number(values.subscriptions);
const rate = Number(values.rate);
const perSocket = Number(values['per-socket']);
for (const [name, value] of Object.entries({ subscriptions, rate, perSocket })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}

const SUBSCRIPTION = 'subscription($id: ID!) { inquiryUpdated(id: $id) { id status events { at } } }';

async function main() {
  const bench = await startBenchPlatform('live');
  const second = await startAnotherGateway(bench);
  const gateways = [
    {
      name: 'gateway 1',
      url: bench.platform.gatewayUrl,
      matches: (line: string, pid: number) =>
        line.includes(`${bench.copy}/services/gateway/src/main.ts`) && !second.matches(line, pid),
    },
    { name: 'gateway 2', url: second.url, matches: second.matches },
  ];
  const sockets: Client[] = [];
  const closers: Array<() => Promise<void>> = [];
  try {
    const { apiKey, templateId } = await bench.account('Live Bench', 'PHONE_OTP');
    log(`creating ${subscriptions} inquiries, a number seeded for each`);
    const inquiries: Array<{ id: string; session: string; phone: string }> = [];
    await runLoad(subscriptions, 50, async () => {
      const phone = freshNumber(800);
      await bench.emulator.seed({ phoneNumber: phone, lineType: 'mobile', smsPumpingRiskScore: 1 });
      const { createInquiry } = await bench.gql<{
        createInquiry: { inquiry: { id: string }; sessionToken: string };
      }>(
        apiKey,
        'mutation($t: ID!) { createInquiry(input: { templateId: $t }) { inquiry { id } sessionToken } }',
        {
          t: templateId,
        },
      );
      inquiries.push({ id: createInquiry.inquiry.id, session: createInquiry.sessionToken, phone });
      return true;
    });

    // When each inquiry's event went by on NATS (the bench's own subscription): splits the latency into
    // committed → published (the inquiry service's outbox relay) and published → subscriber (the gateway).
    const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    closers.push(() => nc.close());
    const onNats = new Map<string, { at: number; occurredAt: number }>();
    const codec = JSONCodec<{ subjectId: string; occurredAt: string }>();
    nc.subscribe(`${bench.namespace}.inquiry.started.*`, {
      callback: (error, message) => {
        if (error) return;
        const event = codec.decode(message.data);
        onNats.set(event.subjectId, { at: Date.now(), occurredAt: Date.parse(event.occurredAt) });
      },
    });
    await nc.flush();
    const relayed: number[] = [];
    const fannedOut: number[] = [];

    log(
      `opening ${subscriptions} subscriptions over ${Math.ceil(subscriptions / perSocket)} sockets on 2 gateways`,
    );
    const latencies: number[] = [];
    const byGateway: Record<string, number[]> = { 'gateway 1': [], 'gateway 2': [] };
    const delivered: Array<Promise<void>> = [];
    const subscribed: Array<Promise<void>> = [];
    for (let i = 0; i < inquiries.length; i++) {
      const socketIndex = Math.floor(i / perSocket);
      const gateway = gateways[socketIndex % 2]!;
      if (i % perSocket === 0) {
        sockets.push(
          createClient({
            url: gateway.url.replace(/^http/, 'ws'),
            webSocketImpl: WebSocket,
            connectionParams: { authorization: `Bearer ${apiKey}` },
            retryAttempts: 0,
          }),
        );
      }
      const socket = sockets[socketIndex]!;
      const inquiry = inquiries[i]!;
      let first: () => void = () => undefined;
      subscribed.push(new Promise<void>((resolve) => (first = resolve)));
      delivered.push(
        new Promise<void>((resolve, reject) => {
          let messages = 0;
          const unsubscribe = socket.subscribe(
            { query: SUBSCRIPTION, variables: { id: inquiry.id } },
            {
              next: (message) => {
                const receivedAt = Date.now();
                messages += 1;
                if (messages === 1) return first();
                const events = (message.data as { inquiryUpdated: { events: Array<{ at: string }> } })
                  .inquiryUpdated.events;
                const latency = receivedAt - Date.parse(events[events.length - 1]!.at);
                latencies.push(latency);
                const published = onNats.get(inquiry.id);
                if (published) {
                  relayed.push(published.at - published.occurredAt);
                  fannedOut.push(receivedAt - published.at);
                }
                byGateway[gateway.name]!.push(latency);
                unsubscribe();
                resolve();
              },
              error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
              complete: () => resolve(),
            },
          );
        }),
      );
    }
    await Promise.all(subscribed);
    log(`${subscriptions} subscriptions open; one transition each, ${rate}/s`);
    const matchers = Object.fromEntries(gateways.map((g) => [g.name, g.matches]));
    const cpuBefore = cpuSeconds(matchers);
    const starts = await runAtRate(inquiries.length, rate, async (i) => {
      const inquiry = inquiries[i]!;
      await bench.gql(
        inquiry.session,
        'mutation($i: ID!, $p: String!) { startPhoneVerification(inquiryId: $i, phoneNumber: $p) { verification { id } } }',
        { i: inquiry.id, p: inquiry.phone },
      );
      return true;
    });
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000).unref());
    const outcome = await Promise.race([Promise.allSettled(delivered), timeout]);
    const cpu = cpuSpent(cpuBefore, cpuSeconds(matchers));
    latencies.sort((a, b) => a - b);
    const summarize = (list: number[]) => {
      const sorted = [...list].sort((a, b) => a - b);
      return {
        samples: sorted.length,
        p50Ms: round1(percentile(sorted, 50)),
        p99Ms: round1(percentile(sorted, 99)),
        maxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
      };
    };
    const report = {
      when: new Date().toISOString(),
      node: process.version,
      loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
      subscriptions,
      perSocket,
      ratePerSecond: rate,
      startFailures: starts.failures,
      undelivered: subscriptions - latencies.length,
      timedOut: outcome === 'timeout',
      overall: summarize(latencies),
      committedToPublished: summarize(relayed),
      publishedToSubscriber: summarize(fannedOut),
      byGateway: Object.fromEntries(Object.entries(byGateway).map(([name, list]) => [name, summarize(list)])),
      gatewayCpuMsPerMessage: Object.fromEntries(
        Object.entries(cpu).map(([name, s]) => [
          name,
          round1((s * 1000) / Math.max(1, byGateway[name]!.length)),
        ]),
      ),
    };
    const markdown = liveTable(report);
    console.log('\n' + markdown);
    log(`written to ${writeReport('live', { ...report, markdown })}`);
  } finally {
    for (const socket of sockets) await socket.dispose();
    for (const close of closers) await close();
    await second.stop();
    await bench.stop();
  }
}

function liveTable(report: {
  subscriptions: number;
  perSocket: number;
  ratePerSecond: number;
  startFailures: number;
  undelivered: number;
  loadAverage: number[];
  overall: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  committedToPublished: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  publishedToSubscriber: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  byGateway: Record<string, { samples: number; p50Ms: number; p99Ms: number; maxMs: number }>;
  gatewayCpuMsPerMessage: Record<string, number>;
}): string {
  const row = (
    name: string,
    r: { samples: number; p50Ms: number; p99Ms: number; maxMs: number },
    cpu = '—',
  ) => `| ${name} | ${r.samples} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${cpu} |`;
  return [
    `${report.subscriptions} open inquiryUpdated subscriptions over 2 gateways (${report.perSocket} per socket), ` +
      `one transition each at ${report.ratePerSecond}/s; ${report.undelivered} undelivered, ${report.startFailures} ` +
      `starts failed; load average ${report.loadAverage.join(' ')}`,
    '',
    '| event → subscriber | samples | p50 ms | p99 ms | max ms | gateway CPU ms per message |',
    '|---|---|---|---|---|---|',
    row('both gateways', report.overall),
    row('… of which event committed → on NATS (outbox relay)', report.committedToPublished),
    row('… of which on NATS → subscriber (gateway)', report.publishedToSubscriber),
    ...Object.entries(report.byGateway).map(([name, r]) =>
      row(name, r, String(report.gatewayCpuMsPerMessage[name] ?? '—')),
    ),
  ].join('\n');
}

await main();
