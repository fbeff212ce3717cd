/**
 * npm run bench:flow [-- --concurrency 20 --warmup 5 --seconds 30]
 *
 * Whole inquiries per second, end to end, at steady state, through the gateway of a platform launched
 * as `npm start` runs it: `concurrency` end users at a time each run createInquiry (the partner's API
 * key) → startPhoneVerification (the session token) → the code from the emulator's outbox →
 * checkPhoneVerification → the decision, APPROVED (the name the carrier holds matches the ID). The
 * asynchronous part is timed from the bench's own NATS subscription to the namespace's events: when
 * `phone.verification.approved`, `identity.database-verification.completed` and `inquiry.approved`
 * went by. The account's fraud policy is RECORD_ONLY (every rule evaluated, none enforced: one
 * account sending this many codes from one address would be blocked as an attack). Inquiries finishing in the measured window count; per stage p50 / p99, and the CPU each
 * process spent per inquiry (from /proc).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connect, JSONCodec } from 'nats';
import { cpuSeconds, cpuSpent } from './support/cpu.js';
import { freshNumber, log, round1, startBenchPlatform, writeReport } from './support/bench-platform.js';
import { percentile } from './support/load.js';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '30' },
  },
});
const concurrency = Number(values.concurrency);
const warmup = Number(values.warmup);
const seconds = Number(values.seconds);
for (const [name, value] of Object.entries({ concurrency, warmup, seconds })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}

const stages = [
  'createInquiry',
  'startPhoneVerification',
  'code from the outbox',
  'checkPhoneVerification',
  'check → phone.verification.approved',
  '→ identity.database-verification.completed',
  '→ inquiry.approved (decision)',
  'whole inquiry',
] as const;
type Stage = (typeof stages)[number];
const watched = {
  'phone.verification.approved': 'phone',
  'identity.database-verification.completed': 'identity',
  'inquiry.approved': 'decided',
  'inquiry.declined': 'otherwise',
  'inquiry.marked-for-review': 'otherwise',
  'inquiry.failed': 'otherwise',
  'inquiry.expired': 'otherwise',
} as const;
type Milestone = (typeof watched)[keyof typeof watched];
type Entry = Partial<Record<Milestone, number>> & { done?: () => void; fail?: (type: string) => void };

async function main() {
  const bench = await startBenchPlatform('flow');
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  try {
    const { apiKey, templateId } = await bench.account('Flow Bench', 'PHONE_OTP, DATABASE_NAME_MATCH');
    // Each inquiry's milestones, as its events go by on NATS (the bench's own core subscription).
    const waiting = new Map<string, Entry>();
    const codec = JSONCodec<{
      type: string;
      subjectId: string;
      data: { inquiryId?: string; reason?: string };
    }>();
    // Everything of the namespace goes by here (rpc asks, the relays' wake-ups): only events count.
    nc.subscribe(`${bench.namespace}.>`, {
      callback: (error, message) => {
        if (error) return;
        let event: ReturnType<typeof codec.decode>;
        try {
          event = codec.decode(message.data);
        } catch {
          return;
        }
        if (typeof event?.type !== 'string') return;
        const milestone = watched[event.type as keyof typeof watched];
        if (!milestone) return;
        const entry = waiting.get(event.data.inquiryId ?? event.subjectId);
        if (!entry || entry[milestone] !== undefined) return;
        entry[milestone] = performance.now();
        if (milestone === 'decided') entry.done?.();
        if (milestone === 'otherwise') entry.fail?.(`${event.type} (${event.data.reason ?? ''})`);
      },
    });
    await nc.flush();

    const one = async (): Promise<Record<Stage, number>> => {
      const phone = freshNumber(700);
      await bench.emulator.seed({
        phoneNumber: phone,
        lineType: 'mobile',
        smsPumpingRiskScore: 1,
        callerName: 'Ada Lovelace',
      });
      const t0 = performance.now();
      const { createInquiry } = await bench.gql<{
        createInquiry: { inquiry: { id: string }; sessionToken: string };
      }>(
        apiKey,
        `mutation($t: ID!, $p: String) { createInquiry(input: { templateId: $t,
          fields: { nameFirst: "Ada", nameLast: "Lovelace", phoneNumber: $p } }) { inquiry { id } sessionToken } }`,
        { t: templateId, p: phone },
      );
      const id = createInquiry.inquiry.id;
      const entry: Entry = {};
      const decided = new Promise<void>((resolve, reject) => {
        entry.done = resolve;
        entry.fail = (type) => reject(new Error(`${type}, not approved`));
        setTimeout(() => reject(new Error(`no decision for ${id} in 30 s`)), 30_000).unref();
      });
      waiting.set(id, entry);
      const t1 = performance.now();
      const { startPhoneVerification } = await bench.gql<{
        startPhoneVerification: {
          verification: { id: string; status: string; riskAssessment: { reasons: string[] } | null };
        };
      }>(
        createInquiry.sessionToken,
        'mutation($i: ID!, $p: String!) { startPhoneVerification(inquiryId: $i, phoneNumber: $p) { verification { id status riskAssessment { reasons } } } }',
        { i: id, p: phone },
      );
      if (startPhoneVerification.verification.status !== 'PENDING') {
        const { status, riskAssessment } = startPhoneVerification.verification;
        throw new Error(`verification ${status}: ${riskAssessment?.reasons.join(', ') ?? ''}`);
      }
      const t2 = performance.now();
      const code = await bench.emulator.latestCode(phone);
      const t3 = performance.now();
      const { checkPhoneVerification } = await bench.gql<{ checkPhoneVerification: { status: string } }>(
        createInquiry.sessionToken,
        'mutation($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }',
        { v: startPhoneVerification.verification.id, c: code },
      );
      if (checkPhoneVerification.status !== 'APPROVED')
        throw new Error(`check ${checkPhoneVerification.status}`);
      const t4 = performance.now();
      try {
        await decided;
      } finally {
        waiting.delete(id);
      }
      const t5 = performance.now();
      const phoneAt = entry.phone ?? t4;
      const identityAt = entry.identity ?? phoneAt;
      return {
        createInquiry: t1 - t0,
        startPhoneVerification: t2 - t1,
        'code from the outbox': t3 - t2,
        checkPhoneVerification: t4 - t3,
        'check → phone.verification.approved': Math.max(0, phoneAt - t4),
        '→ identity.database-verification.completed': Math.max(0, identityAt - phoneAt),
        '→ inquiry.approved (decision)': Math.max(0, t5 - identityAt),
        'whole inquiry': t5 - t0,
      };
    };

    const matchers = Object.fromEntries(
      ['gateway', 'inquiry', 'phone', 'fraud', 'identity']
        .map((name): [string, (line: string) => boolean] => [
          name,
          (line) => line.includes(`${bench.copy}/services/${name}/src/main.ts`),
        ])
        .concat([
          ['twilio emulator', (line) => line.includes(`${bench.copy}/infra/twilio-emulator/src/main.ts`)],
          [
            "postgres (the run's database)",
            (line) => line.startsWith('postgres:') && line.includes('attestor_bench_flow'),
          ],
          ['nats-server (shared with the machine)', (line) => line.includes('nats-server')],
        ]),
    );

    log(`${concurrency} end users at a time: ${warmup} s warm-up, then ${seconds} s measured`);
    const started = performance.now();
    const measureFrom = started + warmup * 1000;
    const measureTo = measureFrom + seconds * 1000;
    const timings: Array<Record<Stage, number>> = [];
    let failures = 0;
    let cpuBefore: Record<string, number> | undefined;
    const errors = new Map<string, number>();
    const user = async () => {
      while (performance.now() < measureTo) {
        const flowStart = performance.now();
        try {
          const t = await one();
          const finished = performance.now();
          if (flowStart >= measureFrom && finished <= measureTo) timings.push(t);
        } catch (error) {
          if (flowStart >= measureFrom) failures += 1;
          const message = String(error instanceof Error ? error.message : error).slice(0, 120);
          errors.set(message, (errors.get(message) ?? 0) + 1);
        }
      }
    };
    const cpuTimer = setTimeout(() => (cpuBefore = cpuSeconds(matchers)), warmup * 1000);
    const progress = setInterval(
      () => log(`… ${timings.length} inquiries decided in the window so far`),
      10_000,
    );
    await Promise.all(Array.from({ length: concurrency }, user));
    clearInterval(progress);
    clearTimeout(cpuTimer);
    const cpu = cpuBefore ? cpuSpent(cpuBefore, cpuSeconds(matchers)) : {};
    for (const [message, count] of errors) log(`${count}× ${message}`);

    const perStage = Object.fromEntries(
      stages.map((stage) => {
        const sorted = timings.map((t) => t[stage]).sort((a, b) => a - b);
        return [stage, { p50Ms: round1(percentile(sorted, 50)), p99Ms: round1(percentile(sorted, 99)) }];
      }),
    );
    const report = {
      when: new Date().toISOString(),
      node: process.version,
      loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
      concurrency,
      seconds,
      inquiries: timings.length,
      failures,
      inquiriesPerSecond: round1(timings.length / seconds),
      perStage,
      cpuMsPerInquiry: Object.fromEntries(
        Object.entries(cpu).map(([name, s]) => [name, round1((s * 1000) / Math.max(1, timings.length))]),
      ),
    };
    const markdown = flowTable(report);
    console.log('\n' + markdown);
    log(`written to ${writeReport('flow', { ...report, markdown })}`);
  } finally {
    await nc.close();
    await bench.stop();
  }
}

function flowTable(report: {
  concurrency: number;
  seconds: number;
  inquiries: number;
  failures: number;
  inquiriesPerSecond: number;
  loadAverage: number[];
  perStage: Record<string, { p50Ms: number; p99Ms: number }>;
  cpuMsPerInquiry: Record<string, number>;
}): string {
  return [
    `${report.inquiriesPerSecond} whole inquiries/s (${report.inquiries} decided APPROVED in ${report.seconds} s, ` +
      `${report.failures} failed; ${report.concurrency} end users at a time; load average ${report.loadAverage.join(' ')})`,
    '',
    '| stage | p50 ms | p99 ms |',
    '|---|---|---|',
    ...Object.entries(report.perStage).map(([stage, t]) => `| ${stage} | ${t.p50Ms} | ${t.p99Ms} |`),
    '',
    '| process | CPU ms per inquiry |',
    '|---|---|',
    ...Object.entries(report.cpuMsPerInquiry).map(([name, ms]) => `| ${name} | ${ms} |`),
  ].join('\n');
}

await main();
