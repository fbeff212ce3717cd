import { rmSync } from 'node:fs';
import { connect } from 'nats';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '@attestor/contracts';
import { TEST_DATABASE_URL, TEST_NATS_URL, uniqueName } from '@attestor/platform/testing';
import { CuttableProxy } from '../support/cuttable-proxy.js';
import { emulatorControl, type EmulatorControl } from '@attestor/twilio-emulator';
import { gqlAt } from '../support/flow.js';
import { freePortBase, Launch, pidOf, processesIn } from '../support/launch.js';
import { copyOfRepository } from '../support/repository-copy.js';

/**
 * Fault injection during 200 full flows against `npm start` (each service its own process, under the
 * launcher's supervision): every subgraph is killed with SIGKILL once, NATS is cut for 30 s, every
 * PostgreSQL connection is terminated, and the Twilio emulator answers 500 and times out for a while.
 * The flows behave as a client would — retrying what failed, with an idempotency key for the
 * inquiry. Afterwards every inquiry is APPROVED (what its input implies), with one database
 * verification and one decision each, no SMS beyond what a fault can explain, nothing unsent in an
 * outbox and nothing parked. The counts are printed.
 */
const FLOWS = 200;
const SPACING_MS = 300;
const NATS_CUT_MS = 30_000;
const STEP_BUDGET_MS = 150_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a client retries: no answer, a 5xx, or an error that says "try again". */
const RETRYABLE = new Set(['INTERNAL', 'PROVIDER_ERROR', 'RATE_LIMITED']);

/** Runs one step the way a patient client does, until it answers data or a non-retryable error. */
async function patiently<T>(
  what: string,
  step: () => Promise<{ data?: T | null; errors?: Array<{ extensions?: Record<string, unknown> }> }>,
  counts: { retries: number },
): Promise<T> {
  const deadline = Date.now() + STEP_BUDGET_MS;
  let last: unknown;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    try {
      const answer = await step();
      const code = answer.errors?.[0]?.extensions?.['code'];
      if (answer.data && !answer.errors) return answer.data;
      if (typeof code !== 'string' || !RETRYABLE.has(code)) {
        throw new Error(`${what}: not retryable: ${JSON.stringify(answer.errors)}`);
      }
      last = answer.errors;
    } catch (error) {
      if (error instanceof Error && error.message.includes('not retryable')) throw error;
      last = error;
    }
    counts.retries += 1;
    await sleep(Math.min(3000, 250 * 2 ** Math.min(attempt, 4)) + Math.random() * 250);
  }
  throw new Error(`${what}: gave up after ${STEP_BUDGET_MS} ms: ${String(JSON.stringify(last))}`);
}

interface Flow {
  index: number;
  phone: string;
  ip: string;
  inquiryId?: string;
  status?: string;
  error?: string;
}

const areaCodes = ['212', '310', '415', '646', '702', '305', '617', '206', '512', '303', '404', '503'];

let launch: Launch;
let copy: string;
let proxy: CuttableProxy;
let database: string;
let admin: pg.Client;
let gatewayUrl: string;
let apiKey: string;
let emulator: EmulatorControl;
const namespace = uniqueName('chaos');

beforeAll(async () => {
  proxy = new CuttableProxy(new URL(TEST_NATS_URL));
  await proxy.start();
  database = uniqueName('chaos');
  admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  copy = copyOfRepository();
  const base = await freePortBase();
  launch = new Launch(copy, {
    ATTESTOR_PORT_BASE: String(base),
    DATABASE_URL: TEST_DATABASE_URL.replace(/\/[^/]*$/, `/${database}`),
    NATS_URL: `nats://127.0.0.1:${proxy.port}`,
    NATS_NAMESPACE: namespace,
    // Each simulated end user from an address of their own, as behind a load balancer.
    TRUST_PROXY: 'true',
    // A partner sending 200 inquiries a minute, and polling them.
    RATE_LIMIT_PER_SECOND: '1000',
    RATE_LIMIT_BURST: '2000',
    // An operator who wants recovery within seconds of an outage rather than minutes.
    EVENT_RETRY_MAX_MS: '5000',
  });
  const ready = await launch.ready();
  gatewayUrl = ready.gatewayUrl;
  apiKey = ready.apiKey;
  emulator = emulatorControl(`http://127.0.0.1:${base + 10}`);
}, 240_000);

afterAll(async () => {
  await launch?.interrupt().catch(() => undefined);
  launch?.killAll();
  await proxy?.close();
  if (copy) rmSync(copy, { recursive: true, force: true });
  const nc = await connect({ servers: TEST_NATS_URL });
  await (await nc.jetstreamManager()).streams.delete(streamName(namespace)).catch(() => false);
  await nc.close();
  await admin?.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
  await admin?.end();
}, 120_000);

describe('chaos: 200 flows through kills, a NATS outage, dropped connections and Twilio faults', () => {
  it('ends every inquiry as its input implies, each effect once, nothing stranded', async () => {
    const partner = gqlAt(gatewayUrl);
    const counts = { retries: 0 };
    const template = await patiently(
      'template',
      () =>
        partner<{ createInquiryTemplate: { id: string } }>(
          apiKey,
          'mutation { createInquiryTemplate(input: { name: "Chaos KYC", steps: [PHONE_OTP, DATABASE_NAME_MATCH] }) { id } }',
        ),
      counts,
    );
    // This test is about outages, not fraud: the engine records its decisions without enforcing them.
    await patiently(
      'policy',
      () => partner(apiKey, 'mutation { updateFraudPolicy(input: { mode: RECORD_ONLY }) { mode } }'),
      counts,
    );
    const flows: Flow[] = Array.from({ length: FLOWS }, (_, index) => ({
      index,
      phone: `+1${areaCodes[index % areaCodes.length]}${String(201 + Math.floor(index / areaCodes.length)).padStart(3, '0')}${String(1000 + index).slice(-4)}`,
      ip: `198.51.${Math.floor(index / 200)}.${(index % 200) + 1}`,
    }));
    for (const flow of flows) {
      await emulator.seed({
        phoneNumber: flow.phone,
        lineType: 'mobile',
        callerName: 'ADA LOVELACE',
        callerType: 'CONSUMER',
        smsPumpingRiskScore: 3,
      });
    }

    const faults = { killed: [] as string[], terminatedConnections: 0, twilioDelays: 2, twilioErrors: 8 };
    const chaos = (async () => {
      const kill = async (service: string) => {
        const found = processesIn(copy).find((p) => p.includes(`services/${service}/src/main.ts`));
        if (found === undefined) throw new Error(`no ${service} process`);
        process.kill(pidOf(found), 'SIGKILL');
        faults.killed.push(service);
      };
      await sleep(4000);
      await kill('inquiry');
      await sleep(5000);
      await kill('phone');
      await sleep(5000);
      await proxy.outage(NATS_CUT_MS);
      await sleep(4000);
      await kill('fraud');
      await sleep(5000);
      await kill('identity');
      await sleep(4000);
      const terminated = await admin.query<{ n: string }>(
        `SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [database],
      );
      faults.terminatedConnections = Number(terminated.rows[0]?.n ?? 0);
      await sleep(3000);
      await emulator.fault({ operation: 'CreateVerification', times: faults.twilioErrors, status: 500 });
      await emulator.fault({ operation: 'FetchPhoneNumber', times: 4, status: 503 });
      await emulator.fault({ operation: 'CreateVerification', times: faults.twilioDelays, delayMs: 7000 });
    })();

    const runFlow = async (flow: Flow) => {
      const user = gqlAt(gatewayUrl, { 'x-forwarded-for': flow.ip });
      try {
        const created = await patiently(
          'createInquiry',
          () =>
            user<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
              apiKey,
              'mutation($t: ID!, $k: String!) { createInquiry(input: { templateId: $t, fields: { nameFirst: "Ada", nameLast: "Lovelace" } }, idempotencyKey: $k) { inquiry { id } sessionToken } }',
              { t: template.createInquiryTemplate.id, k: `chaos-${namespace}-${flow.index}` },
            ),
          counts,
        );
        flow.inquiryId = created.createInquiry.inquiry.id;
        const session = created.createInquiry.sessionToken;
        const started = await patiently(
          'startPhoneVerification',
          () =>
            user<{ startPhoneVerification: { verification: { id: string; status: string } } }>(
              session,
              'mutation($i: ID!, $p: String!) { startPhoneVerification(inquiryId: $i, phoneNumber: $p) { verification { id status } } }',
              { i: flow.inquiryId, p: flow.phone },
            ),
          counts,
        );
        const verificationId = started.startPhoneVerification.verification.id;
        await patiently(
          'checkPhoneVerification',
          async () => {
            const code = await emulator.latestCode(flow.phone);
            return user<{ checkPhoneVerification: { status: string } }>(
              session,
              'mutation($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }',
              { v: verificationId, c: code },
            );
          },
          counts,
        );
      } catch (error) {
        flow.error = String(error).slice(0, 500);
      }
    };

    const running: Array<Promise<void>> = [];
    for (const flow of flows) {
      running.push(runFlow(flow));
      await sleep(SPACING_MS);
    }
    await Promise.all(running);
    await chaos;

    // Every flow's inquiry reaches its terminal state once the platform has caught up.
    const partnerPoll = gqlAt(gatewayUrl);
    const deadline = Date.now() + 180_000;
    for (;;) {
      const pending = flows.filter((f) => f.inquiryId !== undefined && f.status !== 'APPROVED');
      for (const flow of pending) {
        const answer = await partnerPoll<{ inquiry: { status: string } | null }>(
          apiKey,
          'query($i: ID!) { inquiry(id: $i) { status } }',
          { i: flow.inquiryId },
        ).catch(() => undefined);
        if (answer?.data?.inquiry) flow.status = answer.data.inquiry.status;
      }
      if (flows.every((f) => f.status === 'APPROVED') || Date.now() > deadline) break;
      await sleep(2000);
    }

    const db = new pg.Client({ connectionString: TEST_DATABASE_URL.replace(/\/[^/]*$/, `/${database}`) });
    await db.connect();
    try {
      const perInquiry = async (sql: string) =>
        new Map(
          (await db.query<{ id: string; n: string }>(sql)).rows.map(
            (row) => [row.id, Number(row.n)] as const,
          ),
        );
      const verifications = await perInquiry(
        'SELECT inquiry_id AS id, count(*)::text AS n FROM identity.database_verifications GROUP BY inquiry_id',
      );
      const decisions = await perInquiry(
        `SELECT inquiry_id::text AS id, count(*)::text AS n FROM inquiry.inquiry_events
          WHERE to_status IN ('APPROVED', 'DECLINED', 'NEEDS_REVIEW') GROUP BY inquiry_id`,
      );
      // The relays publish what the last transactions wrote within moments; give them that long.
      const unsent: Record<string, number> = {};
      const parked: Record<string, number> = {};
      const settleBy = Date.now() + 30_000;
      do {
        for (const schema of ['inquiry', 'phone', 'fraud', 'identity']) {
          const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
          unsent[schema] = await count(
            `SELECT count(*) AS n FROM ${schema}.outbox WHERE published_at IS NULL`,
          );
          parked[schema] = await count(
            `SELECT count(*) AS n FROM ${schema}.parked_events WHERE replayed_at IS NULL AND discarded_at IS NULL`,
          );
        }
        if (Object.values(unsent).every((n) => n === 0)) break;
        await sleep(1000);
      } while (Date.now() < settleBy);
      let messages = 0;
      let mostToOneNumber = 0;
      for (const flow of flows) {
        const sent = (await emulator.outbox(flow.phone)).length;
        messages += sent;
        mostToOneNumber = Math.max(mostToOneNumber, sent);
      }
      const byStatus: Record<string, number> = {};
      for (const flow of flows) {
        const outcome = flow.status ?? (flow.error === undefined ? 'never created' : 'client gave up');
        byStatus[outcome] = (byStatus[outcome] ?? 0) + 1;
      }
      // A fault can cost one extra message at most where the send happened but its answer was lost:
      // a request Twilio served after the client's timeout, or a connection dropped after the send.
      const explicable = faults.twilioDelays + faults.terminatedConnections;
      // Where a flow did not end APPROVED, what its inquiry and phone verifications went through.
      const notApproved = [];
      for (const flow of flows.filter((f) => f.status !== 'APPROVED' && f.inquiryId !== undefined)) {
        const events = await db.query(
          `SELECT type, from_status, to_status, reason, at FROM inquiry.inquiry_events
            WHERE inquiry_id::text = $1 ORDER BY at`,
          [flow.inquiryId],
        );
        const verificationRows = await db.query(
          `SELECT v.id, v.status, v.status_reason, v.check_attempts, v.send_attempts, v.created_at,
                  (SELECT json_agg(json_build_object('outcome', s.outcome, 'at', s.created_at) ORDER BY s.created_at)
                     FROM phone.send_attempts s WHERE s.verification_id = v.id) AS sends
             FROM phone.phone_verifications v WHERE v.inquiry_id = $1 ORDER BY v.created_at`,
          [flow.inquiryId],
        );
        notApproved.push({
          index: flow.index,
          status: flow.status,
          events: events.rows,
          verifications: verificationRows.rows,
          messages: (await emulator.outbox(flow.phone)).length,
        });
      }
      const report = {
        flows: FLOWS,
        statuses: byStatus,
        clientRetries: counts.retries,
        faults,
        databaseVerifications: [...verifications.values()].reduce((a, b) => a + b, 0),
        decisions: [...decisions.values()].reduce((a, b) => a + b, 0),
        smsMessages: messages,
        mostMessagesToOneNumber: mostToOneNumber,
        unsent,
        parked,
        restarts: (launch.output.match(/restarted and ready/g) ?? []).length,
        notApproved,
      };
      console.log(`chaos report: ${JSON.stringify(report, null, 2)}`);

      expect(flows.filter((f) => f.error !== undefined).map((f) => f.error)).toEqual([]);
      expect(byStatus).toEqual({ APPROVED: FLOWS });
      for (const flow of flows) {
        expect(verifications.get(flow.inquiryId!), `database verifications of ${flow.index}`).toBe(1);
        expect(decisions.get(flow.inquiryId!), `decisions of ${flow.index}`).toBe(1);
      }
      expect(faults.killed.sort()).toEqual(['fraud', 'identity', 'inquiry', 'phone']);
      expect(report.restarts).toBeGreaterThanOrEqual(4);
      expect(messages).toBeGreaterThanOrEqual(FLOWS);
      expect(messages - FLOWS).toBeLessThanOrEqual(explicable);
      expect(unsent).toEqual({ inquiry: 0, phone: 0, fraud: 0, identity: 0 });
      expect(parked).toEqual({ inquiry: 0, phone: 0, fraud: 0, identity: 0 });
    } finally {
      await db.end();
    }
  }, 600_000);
});
