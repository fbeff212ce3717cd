/**
 * npm run bench:gateway [-- --requests 2000 --concurrency 50 --rounds 3]
 *
 * Our gateway against Hive Gateway on the same running subgraphs and supergraph (the platform launched
 * as `npm start` runs it; Hive in a process of its own beside it, authenticating and signing as ours
 * does, support/hive-signing.ts), with Hive's defaults, with its in-flight deduplication off, and
 * with Hive Router's runtime (`@graphql-hive/router-runtime`, its Rust query planner; dedup on).
 * Workloads at a fixed concurrency, one API key:
 * - `inquiry(id)` selecting fields of all four subgraphs, every request for one inquiry (a hot
 *   inquiry: a dashboard many operators watch) and spread over 50 inquiries;
 * - `createInquiry` (a mutation: nothing to share).
 * Rounds alternate between the gateways (the order rotating each round); medians of the rounds, the
 * ratios ours / peer, and each gateway's CPU per request (its process, from /proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { cpuSeconds, cpuSpent } from './support/cpu.js';
import { freshNumber, log, round1, startBenchPlatform, writeReport } from './support/bench-platform.js';
import { median, runLoad, type LoadResult } from './support/load.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
for (const [name, value] of Object.entries({ requests, concurrency, rounds })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}

/** Every subgraph: the inquiry, its phone verification, that one's risk assessment, the name match. */
const INQUIRY_QUERY = `query($id: ID!) { inquiry(id: $id) { id status referenceId createdAt
  fields { nameFirst nameLast }
  phoneVerifications { id status channel riskAssessment { decision score } }
  databaseVerification { status nameMatch { result } } } }`;
const CREATE = `mutation($t: ID!, $r: String!) { createInquiry(input: { templateId: $t, referenceId: $r,
  fields: { nameFirst: "Ada", nameLast: "Lovelace", birthdate: "1990-12-10", phoneNumber: "+14155550100" } }) {
  inquiry { id status } sessionToken } }`;

interface Peer {
  name: string;
  url: string;
  /** Its process, for CPU per request. */
  matches: (commandLine: string, pid: number) => boolean;
  stop(): Promise<void>;
}

function startHive(
  name: string,
  copy: string,
  env: Record<string, string>,
): Promise<Peer & { child: ChildProcess }> {
  const script = `${copy}/bench/support/hive-gateway.ts`;
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: copy,
    env: { ...process.env, ...env, PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready (\d+)/.exec(output);
      if (!ready) return;
      resolve({
        name,
        child,
        url: `http://127.0.0.1:${ready[1]}/graphql`,
        matches: (_line, pid) => pid === child.pid,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}):\n${output.slice(-2000)}`)));
  });
}

async function main() {
  const bench = await startBenchPlatform('gateway');
  const peers: Peer[] = [];
  try {
    peers.push({
      name: 'ours',
      url: bench.platform.gatewayUrl,
      matches: (line) => line.includes(`${bench.copy}/services/gateway/src/main.ts`),
      stop: async () => undefined,
    });
    log('starting Hive Gateway three times: its defaults, its in-flight deduplication off, its Rust planner');
    peers.push(await startHive('hive (defaults)', bench.copy, { ...bench.env, HIVE_DEDUP: 'true' }));
    peers.push(await startHive('hive (no dedup)', bench.copy, { ...bench.env, HIVE_DEDUP: 'false' }));
    peers.push(
      await startHive('hive (router runtime)', bench.copy, {
        ...bench.env,
        HIVE_DEDUP: 'true',
        HIVE_ROUTER_RUNTIME: 'true',
      }),
    );

    const { apiKey, templateId } = await bench.account('Gateway Bench', 'PHONE_OTP, DATABASE_NAME_MATCH');
    log('preparing 50 inquiries through the whole flow (each subgraph has something to answer)');
    const inquiries = await decidedInquiries(bench, apiKey, templateId, 50);

    // The same answer from every gateway, or the comparison means nothing.
    const answers = await Promise.all(
      peers.map((peer) => bench.gql(apiKey, INQUIRY_QUERY, { id: inquiries[0] }, peer.url)),
    );
    for (const [i, answer] of answers.entries()) {
      if (JSON.stringify(answer) !== JSON.stringify(answers[0])) {
        throw new Error(
          `${peers[i]!.name} answers otherwise:\n${JSON.stringify(answer)}\n${JSON.stringify(answers[0])}`,
        );
      }
    }
    log(`every gateway answers ${JSON.stringify(answers[0]).slice(0, 160)}…`);

    let created = 0;
    const workloads: Record<string, (url: string) => (i: number) => Promise<boolean>> = {
      'inquiry(id), one hot inquiry': (url) => async () => {
        const data = await bench.gql<{ inquiry: { id: string } }>(
          apiKey,
          INQUIRY_QUERY,
          { id: inquiries[0] },
          url,
        );
        return data.inquiry.id === inquiries[0];
      },
      'inquiry(id), 50 inquiries': (url) => async (i) => {
        const id = inquiries[i % inquiries.length]!;
        const data = await bench.gql<{ inquiry: { id: string } }>(apiKey, INQUIRY_QUERY, { id }, url);
        return data.inquiry.id === id;
      },
      createInquiry: (url) => async () => {
        const data = await bench.gql<{ createInquiry: { inquiry: { id: string } } }>(
          apiKey,
          CREATE,
          {
            t: templateId,
            r: `bench-${created++}`,
          },
          url,
        );
        return data.createInquiry.inquiry.id.length > 0;
      },
    };
    const matchers = Object.fromEntries(peers.map((peer) => [peer.name, peer.matches]));
    const results: Record<string, Record<string, Array<LoadResult & { cpuMsPerRequest: number }>>> = {};
    for (const workload of Object.keys(workloads)) {
      results[workload] = Object.fromEntries(peers.map((peer) => [peer.name, []]));
      for (const peer of peers)
        await runLoad(Math.min(300, requests), concurrency, workloads[workload]!(peer.url));
    }
    for (let round = 1; round <= rounds; round++) {
      const order = peers.map((_, i) => peers[(i + round - 1) % peers.length]!);
      for (const [workload, send] of Object.entries(workloads)) {
        for (const peer of order) {
          const before = cpuSeconds(matchers);
          const result = await runLoad(requests, concurrency, send(peer.url));
          const cpu = cpuSpent(before, cpuSeconds(matchers))[peer.name] ?? 0;
          results[workload]![peer.name]!.push({ ...result, cpuMsPerRequest: (cpu * 1000) / requests });
          log(
            `round ${round}/${rounds} ${workload} ${peer.name}: ${result.requestsPerSecond.toFixed(0)} req/s, ` +
              `p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${result.failures} failed`,
          );
        }
      }
    }

    const summary = Object.fromEntries(
      Object.entries(results).map(([workload, byPeer]) => [
        workload,
        Object.fromEntries(
          Object.entries(byPeer).map(([peer, list]) => [
            peer,
            {
              requestsPerSecond: round1(median(list.map((r) => r.requestsPerSecond))),
              p50Ms: round1(median(list.map((r) => r.p50Ms))),
              p99Ms: round1(median(list.map((r) => r.p99Ms))),
              cpuMsPerRequest: Math.round(median(list.map((r) => r.cpuMsPerRequest)) * 100) / 100,
              failures: list.reduce((n, r) => n + r.failures, 0),
              rounds: list.map((r) => Math.round(r.requestsPerSecond)),
            },
          ]),
        ),
      ]),
    );
    const report = {
      when: new Date().toISOString(),
      node: process.version,
      loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
      requests,
      concurrency,
      rounds,
      summary,
    };
    const markdown = gatewayTable(report);
    console.log('\n' + markdown);
    log(`written to ${writeReport('gateway', { ...report, markdown })}`);
  } finally {
    for (const peer of peers) await peer.stop();
    await bench.stop();
  }
}

/** `count` inquiries taken through the whole flow: phone verified (with its assessment), name matched, decided. */
async function decidedInquiries(
  bench: Awaited<ReturnType<typeof startBenchPlatform>>,
  apiKey: string,
  templateId: string,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  await runLoad(count, 10, async () => {
    const phone = freshNumber(500);
    await bench.emulator.seed({
      phoneNumber: phone,
      lineType: 'mobile',
      smsPumpingRiskScore: 1,
      callerName: 'Ada Lovelace',
    });
    const { createInquiry } = await bench.gql<{
      createInquiry: { inquiry: { id: string }; sessionToken: string };
    }>(
      apiKey,
      `mutation($t: ID!, $p: String) { createInquiry(input: { templateId: $t,
        fields: { nameFirst: "Ada", nameLast: "Lovelace", phoneNumber: $p } }) { inquiry { id } sessionToken } }`,
      { t: templateId, p: phone },
    );
    const { id } = createInquiry.inquiry;
    const session = createInquiry.sessionToken;
    const { startPhoneVerification } = await bench.gql<{
      startPhoneVerification: { verification: { id: string } };
    }>(
      session,
      'mutation($i: ID!, $p: String!) { startPhoneVerification(inquiryId: $i, phoneNumber: $p) { verification { id } } }',
      { i: id, p: phone },
    );
    const code = await bench.emulator.latestCode(phone);
    await bench.gql(
      session,
      'mutation($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }',
      {
        v: startPhoneVerification.verification.id,
        c: code,
      },
    );
    for (let tries = 0; tries < 200; tries++) {
      const { inquiry } = await bench.gql<{ inquiry: { status: string } }>(
        apiKey,
        'query($id: ID!) { inquiry(id: $id) { status } }',
        { id },
      );
      if (inquiry.status === 'APPROVED') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    ids.push(id);
    return true;
  });
  return ids;
}

type GatewayReport = {
  requests: number;
  concurrency: number;
  rounds: number;
  loadAverage: number[];
  summary: Record<
    string,
    Record<
      string,
      { requestsPerSecond: number; p50Ms: number; p99Ms: number; cpuMsPerRequest: number; failures: number }
    >
  >;
};

function gatewayTable(report: GatewayReport): string {
  const lines = [
    `median of ${report.rounds} alternating rounds of ${report.requests} requests at concurrency ${report.concurrency}; load average ${report.loadAverage.join(' ')}`,
    '',
    '| workload | gateway | requests/s | p50 ms | p99 ms | gateway CPU ms/request | failures | ours ÷ this |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [workload, byPeer] of Object.entries(report.summary)) {
    const ours = byPeer['ours']!;
    for (const [peer, r] of Object.entries(byPeer)) {
      const ratio = peer === 'ours' ? '—' : `${(ours.requestsPerSecond / r.requestsPerSecond).toFixed(2)}×`;
      lines.push(
        `| ${workload} | ${peer} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.cpuMsPerRequest} | ${r.failures} | ${ratio} |`,
      );
    }
  }
  return lines.join('\n');
}

await main();
