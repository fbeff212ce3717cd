/**
 * bench:fraud --mode e2e: the real services as `npm start` runs them (each its own process), driven
 * through the gateway. Each verification is a partner's createInquiry and the end user's
 * startPhoneVerification with its session token and its address in X-Forwarded-For (TRUST_PROXY=true);
 * a real user reads the code from the emulator's outbox and enters it. A CHALLENGED verification of a
 * real user is solved with altcha-lib's solver (the proof-of-work a browser does) and retried with
 * `challengeSolution`; attackers do not solve it.
 *
 * Time: the services share a simulated clock (CLOCK_OFFSET_FILE, platform `offsetFileClock`), so the
 * two simulated days keep their hours — hourly windows, 24-hour baselines, breaker cooling — while the
 * run takes minutes. The traffic is played like the engine mode: in 30-second simulated steps, each
 * step's actions at real speed (the clock runs with the system's inside a step), then the bench waits
 * until every outbox is relayed and every consumer has handled what was published (the fraud service
 * has counted the phone events) and moves the clock to the next step. The clock only moves forward.
 *
 * `fraud.assess` latency: over NATS, asks of the bench's own timed while the traffic runs; in process,
 * the fraud service's `attestor_fraud_assess_duration_seconds` histogram (scraped at the end, quantiles
 * interpolated within its buckets), and the phone service's own asks (`attestor_rpc_duration_seconds`).
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { solveChallenge } from 'altcha-lib/v1';
import { parseConfig, PiiCipher } from '@attestor/platform';
import { streamName } from '@attestor/contracts';
import { emulatorControl } from '@attestor/twilio-emulator';
import { fraudConfigShape } from '../../services/fraud/src/config.js';
import type { Layer } from '../../services/fraud/src/domain/rules.js';
import { copyOfRepository } from '../../test/support/repository-copy.js';
import { emptyTally, type ActorTally, type EngineResult } from './fraud-engine.js';
import { launchPlatform } from './launch.js';
import { jsonClient } from './load.js';
import type { Actor, Attempt, Traffic } from './fraud-traffic.js';

const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const PII_KEY = Buffer.alloc(32, 9).toString('base64');
const SCHEMAS = ['inquiry', 'phone', 'fraud', 'identity'];
const STEP = 30_000;

interface Answer<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

interface Challenge {
  algorithm: string;
  challenge: string;
  salt: string;
  signature: string;
  maxNumber: number;
}

interface Verification {
  id: string;
  status: string;
  riskAssessment?: { reasons: string[] } | null;
  challenge: Challenge | null;
}

interface Action {
  at: number;
  kind: 'start' | 'resend' | 'enter';
  attempt: Attempt;
  measured: boolean;
  sessionToken?: string;
  verificationId?: string;
}

export interface EndToEndResult extends EngineResult {
  /** Quantiles of the fraud service's own histogram (in process) and of the phone service's asks. */
  histograms: { assessInProcess: Quantiles; phoneAsks: Quantiles };
  /** Real users' proof-of-work: solved count and solve times (ms). */
  proofOfWork: number[];
  /** Attackers' (with attackersSolve only). */
  attackerProofOfWork: number[];
  statuses: Map<string, number>;
}

export interface Quantiles {
  count: number;
  p50: number | null;
  p99: number | null;
}

/** p50/p99 of a Prometheus histogram's series (cumulative buckets), interpolated within a bucket. */
export function histogramQuantiles(text: string, metric: string, ...labels: string[]): Quantiles {
  // Summed over the other labels (a series per decision, say), bucket by bucket.
  const byBound = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}_bucket{`) || !labels.every((l) => line.includes(l))) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    byBound.set(bound, (byBound.get(bound) ?? 0) + Number(line.split(' ').at(-1)));
  }
  const buckets = [...byBound.entries()].sort((a, b) => a[0] - b[0]);
  const count = buckets.at(-1)?.[1] ?? 0;
  const at = (q: number) => {
    if (count === 0) return null;
    const rank = q * count;
    let previous: [number, number] = [0, 0];
    for (const bucket of buckets) {
      if (bucket[1] >= rank) {
        if (!Number.isFinite(bucket[0])) return previous[0] * 1000;
        const inBucket = bucket[1] - previous[1];
        const share = inBucket === 0 ? 1 : (rank - previous[1]) / inBucket;
        return (previous[0] + share * (bucket[0] - previous[0])) * 1000;
      }
      previous = bucket;
    }
    return null;
  };
  return { count, p50: at(0.5), p99: at(0.99) };
}

export async function runEndToEnd(
  traffic: Traffic,
  options: {
    layersOff: Layer[];
    concurrency: number;
    log: (line: string) => void;
    /** Attackers solve the proof-of-work too (and pay its CPU), instead of giving up on a challenge. */
    attackersSolve?: boolean;
  },
): Promise<EndToEndResult> {
  const { log } = options;
  const namespace = `fraudbench${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
  // A database of the run's own: runs side by side (layers off) disturb nothing of each other's.
  const database = `attestor_bench_${namespace}`;
  const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${database}`;
  const copy = copyOfRepository();
  const clockDir = mkdtempSync(join(tmpdir(), 'fraud-e2e-clock-'));
  const clockFile = join(clockDir, 'offset');
  let offsetMs = 0;
  writeFileSync(clockFile, '0');
  const t0 = Date.now();
  /** Moves every service's clock forward to simulated `at` (ms since the start); never back. */
  const advanceTo = (at: number) => {
    const wanted = t0 + at - Date.now();
    if (wanted <= offsetMs) return;
    offsetMs = wanted;
    // Written aside and renamed (atomic): a service never reads a half-written offset.
    writeFileSync(`${clockFile}.next`, String(Math.round(offsetMs)));
    renameSync(`${clockFile}.next`, clockFile);
  };
  log(`e2e: launching the platform (npm start layout), layers off: ${options.layersOff.join(',') || 'none'}`);
  const platform = await launchPlatform(
    {
      ADMIN_TOKEN,
      NATS_NAMESPACE: namespace,
      DATABASE_URL,
      PII_KEY,
      TRUST_PROXY: 'true',
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
      CLOCK_OFFSET_FILE: clockFile,
      FRAUD_LAYERS_OFF: options.layersOff.join(','),
    },
    copy,
  );
  const portBase = Number(new URL(platform.gatewayUrl).port);
  const http = jsonClient(platform.gatewayUrl, 16);
  const emulator = emulatorControl(platform.emulatorUrl);
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const fraudConfig = parseConfig(fraudConfigShape, {});
  const priceOf = (country: string) =>
    fraudConfig.FRAUD_SMS_PRICES_USD[country] ?? fraudConfig.FRAUD_SMS_PRICE_DEFAULT_USD;
  let nc: NatsConnection | undefined;
  try {
    nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    const jsm = await nc.jetstreamManager();
    const gql = async <T>(token: string, query: string, variables: Record<string, unknown>, ip?: string) => {
      const answer = await http.post<Answer<T>>(
        { query, variables },
        { authorization: `Bearer ${token}`, ...(ip ? { 'x-forwarded-for': ip } : {}) },
      );
      return answer.json;
    };
    const account = await gql<{ createAccount: { apiKey: string } }>(
      ADMIN_TOKEN,
      'mutation { createAccount(name: "Fraud simulation") { apiKey } }',
      {},
    );
    const apiKey = account.data?.createAccount.apiKey;
    if (!apiKey) throw new Error(`createAccount: ${JSON.stringify(account.errors)}`);
    const template = await gql<{ createInquiryTemplate: { id: string } }>(
      apiKey,
      'mutation { createInquiryTemplate(input: { name: "Phone", steps: [PHONE_OTP] }) { id } }',
      {},
    );
    const templateId = template.data?.createInquiryTemplate.id;
    log(`e2e: seeding ${traffic.seeds.length} numbers in the emulator`);
    const seeds = [...traffic.seeds];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let s = seeds.pop(); s; s = seeds.pop()) await emulator.seed(s);
      }),
    );

    const fields =
      'id status riskAssessment { reasons } challenge { algorithm challenge salt signature maxNumber }';
    const tallies = new Map<Actor, ActorTally>();
    const tallyOf = (actor: Actor) => {
      let t = tallies.get(actor);
      if (!t) tallies.set(actor, (t = emptyTally()));
      return t;
    };
    const statuses = new Map<string, number>();
    const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
    const realChallengeReasons = new Map<string, number>();
    const firstRefusalSeen = new Set<Actor>();
    const realMessaged = new Set<string>();
    const proofOfWork: number[] = [];

    const attackerProofOfWork: number[] = [];
    const solve = async (c: Challenge, actor: Actor) => {
      const t = performance.now();
      const solution = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxNumber).promise;
      (actor === 'real' ? proofOfWork : attackerProofOfWork).push(performance.now() - t);
      return Buffer.from(
        JSON.stringify({
          algorithm: c.algorithm,
          challenge: c.challenge,
          number: solution?.number,
          salt: c.salt,
          signature: c.signature,
        }),
      ).toString('base64');
    };
    const resend = (token: string, verificationId: string, ip: string, solution?: string) =>
      gql<{ resendPhoneVerification: Verification }>(
        token,
        `mutation ($v: ID!, $s: String) { resendPhoneVerification(verificationId: $v, challengeSolution: $s) { ${fields} } }`,
        { v: verificationId, s: solution ?? null },
        ip,
      );

    const queue: Action[] = [];
    const schedule = (action: Action) => {
      let i = queue.length;
      while (i > 0 && queue[i - 1]!.at > action.at) i--;
      queue.splice(i, 0, action);
    };

    /** One send asked for (a start or a resend), the challenge solved where a real user would. */
    const send = async (action: Action, first: () => Promise<Verification | undefined>) => {
      const { attempt, measured } = action;
      const t = tallyOf(attempt.actor);
      const isStart = action.kind === 'start';
      if (measured) t.attempted += 1;
      let verification = await first();
      if (!verification) {
        count(statuses, 'error');
        return undefined;
      }
      if (verification.status === 'CHALLENGED' && measured && attempt.actor === 'real' && isStart) {
        t.usersChallenged += 1;
        for (const r of verification.riskAssessment?.reasons ?? []) count(realChallengeReasons, r);
      }
      const solves = attempt.actor === 'real' || options.attackersSolve === true;
      if (verification.status === 'CHALLENGED' && verification.challenge && solves) {
        const solution = await solve(verification.challenge, attempt.actor);
        const retried = await resend(action.sessionToken!, verification.id, attempt.ip, solution);
        verification = retried.data?.resendPhoneVerification ?? verification;
      }
      count(statuses, verification.status);
      const sent = verification.status === 'PENDING';
      if (!measured) return sent ? verification : undefined;
      if (sent) {
        t.sent += 1;
        if (attempt.actor === 'real' && isStart) realMessaged.add(verification.id);
        return verification;
      }
      if (verification.status === 'BLOCKED') t.blocked += 1;
      else t.challenged += 1;
      t.costAvoidedUsd += priceOf(attempt.countryCode);
      for (const r of verification.riskAssessment?.reasons ?? [])
        t.reasons.set(r, (t.reasons.get(r) ?? 0) + 1);
      if (!firstRefusalSeen.has(attempt.actor)) {
        firstRefusalSeen.add(attempt.actor);
        t.sentBeforeFirstRefusal = t.sent;
      }
      return undefined;
    };

    const handle = async (action: Action) => {
      const { attempt } = action;
      if (action.kind === 'enter') {
        const code = await emulator.latestCode(attempt.phoneNumber);
        await gql(
          action.sessionToken!,
          `mutation ($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }`,
          { v: action.verificationId, c: code },
        );
        return;
      }
      if (action.kind === 'resend') {
        const verification = await send(action, async () => {
          const r = await resend(action.sessionToken!, action.verificationId!, attempt.ip);
          return r.data?.resendPhoneVerification;
        });
        if (verification && attempt.verifies) {
          schedule({ ...action, kind: 'enter', at: action.at + attempt.verifyAfterSeconds * 1000 });
        }
        return;
      }
      const created = await gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
        apiKey,
        `mutation ($t: ID!, $p: String!) { createInquiry(input: { templateId: $t, fields: { nameFirst: "Ada", nameLast: "Lovelace", phoneNumber: $p } }) { inquiry { id } sessionToken } }`,
        { t: templateId, p: attempt.phoneNumber },
      );
      const inquiry = created.data?.createInquiry;
      if (!inquiry) throw new Error(`createInquiry: ${JSON.stringify(created.errors)}`);
      const withToken = { ...action, sessionToken: inquiry.sessionToken };
      const verification = await send(withToken, async () => {
        const started = await gql<{ startPhoneVerification: { verification: Verification } }>(
          inquiry.sessionToken,
          `mutation ($i: ID!, $p: String!) { startPhoneVerification(inquiryId: $i, phoneNumber: $p) { verification { ${fields} } } }`,
          { i: inquiry.inquiry.id, p: attempt.phoneNumber },
          attempt.ip,
        );
        if (!started.data) count(statuses, `error ${started.errors?.[0]?.extensions?.code}`);
        return started.data?.startPhoneVerification.verification;
      });
      if (!verification) return;
      const next = { ...withToken, verificationId: verification.id };
      if (attempt.resends) schedule({ ...next, kind: 'resend', at: action.at + 45_000 });
      else if (attempt.verifies) {
        schedule({ ...next, kind: 'enter', at: action.at + attempt.verifyAfterSeconds * 1000 });
      }
    };

    for (const [attempts, measured] of [
      [traffic.warmUp, false],
      [traffic.measured, true],
    ] as const) {
      for (const attempt of attempts) {
        schedule({ at: attempt.at, kind: 'start', attempt, measured });
        if (measured && attempt.actor === 'real') tallyOf('real').users += 1;
      }
    }

    /** Every outbox relayed and every consumer caught up: the services have seen this step's events. */
    const settled = async () => {
      for (;;) {
        const { rows } = await db.query<{ n: number }>(
          `SELECT ${SCHEMAS.map((s) => `(SELECT count(*) FROM "${s}".outbox WHERE published_at IS NULL)`).join(' + ')} AS n`,
        );
        let pending = Number(rows[0]?.n ?? 0);
        if (pending === 0) {
          for await (const consumer of jsm.consumers.list(streamName(namespace))) {
            pending += consumer.num_pending + consumer.num_ack_pending;
          }
        }
        if (pending === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };

    // fraud.assess timed over NATS while the traffic runs (an account of its own, clean numbers).
    const pii = new PiiCipher(PII_KEY);
    const overNats: number[] = [];
    let probing = true;
    const probe = (async () => {
      const encoder = new TextEncoder();
      while (probing) {
        const body = {
          accountId: 'acc_latency_probe',
          inquiryId: randomUUID(),
          verificationId: randomUUID(),
          phoneNumberSealed: pii.seal(traffic.warmUp[overNats.length % traffic.warmUp.length]!.phoneNumber),
          countryCode: 'US',
          channel: 'SMS',
          ip: null,
          attempt: 'START',
          challengeSolved: false,
        };
        const t = performance.now();
        await nc!
          .request(`${namespace}.rpc.fraud.assess`, encoder.encode(JSON.stringify(body)), { timeout: 5000 })
          .catch(() => undefined);
        overNats.push(performance.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const started = performance.now();
    let lastLog = 0;
    let actions = 0;
    while (queue.length > 0) {
      const stepStart = queue[0]!.at;
      advanceTo(stepStart);
      const batch: Action[] = [];
      while (queue.length > 0 && queue[0]!.at < stepStart + STEP) batch.push(queue.shift()!);
      let next = 0;
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (next < batch.length) await handle(batch[next++]!);
        }),
      );
      actions += batch.length;
      await settled();
      if (stepStart - lastLog > 6 * 3_600_000) {
        lastLog = stepStart;
        log(`  simulated ${(stepStart / 3_600_000).toFixed(0)} h, ${actions} actions`);
      }
    }
    probing = false;
    await probe;
    const seconds = (performance.now() - started) / 1000;
    const real = tallyOf('real');
    real.usersWithoutMessage = real.users - realMessaged.size;

    const scrape = async (offset: number) =>
      (await fetch(`http://127.0.0.1:${portBase + offset}/metrics`)).text();
    const [fraudMetrics, phoneMetrics] = await Promise.all([scrape(3), scrape(2)]);
    overNats.sort((a, b) => a - b);
    proofOfWork.sort((a, b) => a - b);
    return {
      layersOff: options.layersOff,
      tallies,
      latency: { inProcess: [], overNats, cachedInProcess: [], cachedOverNats: [] },
      realChallengeReasons,
      seconds,
      histograms: {
        assessInProcess: histogramQuantiles(fraudMetrics, 'attestor_fraud_assess_duration_seconds'),
        phoneAsks: histogramQuantiles(
          phoneMetrics,
          'attestor_rpc_duration_seconds',
          'subject="rpc.fraud.assess"',
          'outcome="ok"',
        ),
      },
      proofOfWork,
      attackerProofOfWork: attackerProofOfWork.sort((a, b) => a - b),
      statuses,
    };
  } catch (error) {
    console.error(`the platform's last output before the failure:\n${platform.outputTail()}`);
    throw error;
  } finally {
    http.close();
    await db.end().catch(() => undefined);
    await nc?.close();
    await platform.stop();
    rmSync(copy, { recursive: true, force: true });
    rmSync(clockDir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: DATABASE_URL.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).finally(() => admin.end());
    const cleanup = await connect({ servers: 'nats://127.0.0.1:4222' });
    await (await cleanup.jetstreamManager()).streams.delete(streamName(namespace)).catch(() => false);
    await cleanup.close();
  }
}
