/**
 * bench:fraud --mode e2e: the real services as `npm start` runs them, driven through the gateway. Each
 * verification is a partner's createInquiry and the end user's startPhoneVerification with its session
 * token, its address in X-Forwarded-For (TRUST_PROXY=true), and — for a real user — the code read from
 * the emulator's outbox and entered. A CHALLENGED verification is solved with altcha-lib's solver and
 * retried with `challengeSolution` (resendPhoneVerification), per the contract. Real time, so the two
 * simulated days are compressed into minutes: every window holds the whole run.
 * `fraud.assess` is also timed over NATS under that load, by asks of the bench's own.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { solveChallenge } from 'altcha-lib/v1';
import { PiiCipher } from '@attestor/platform';
import { streamName } from '@attestor/contracts';
import { emulatorControl } from '@attestor/twilio-emulator';
import { copyOfRepository } from '../../test/support/repository-copy.js';
import { launchPlatform } from './launch.js';
import { jsonClient, percentile } from './load.js';
import { attackKinds, generateTraffic, type Actor, type Attempt } from './fraud-traffic.js';

const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/attestor_bench_fraud';
const PII_KEY = Buffer.alloc(32, 9).toString('base64');

interface Answer<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

interface Verification {
  id: string;
  status: string;
  riskAssessment?: { reasons: string[] } | null;
  challenge: {
    algorithm: string;
    challenge: string;
    salt: string;
    signature: string;
    maxNumber: number;
  } | null;
}

export async function runEndToEnd(options: {
  seed: number;
  log: (line: string) => void;
}): Promise<Record<string, unknown>> {
  const { log } = options;
  const traffic = generateTraffic({ seed: options.seed, realPerDay: 150, attackScale: 0.15 });
  const namespace = `fraudbench${Date.now().toString(36)}`;
  const copy = copyOfRepository();
  log('e2e: launching the platform (npm start layout)');
  const platform = await launchPlatform(
    {
      ADMIN_TOKEN,
      NATS_NAMESPACE: namespace,
      DATABASE_URL,
      PII_KEY,
      TRUST_PROXY: 'true',
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
    },
    copy,
  );
  const http = jsonClient(platform.gatewayUrl, 16);
  const emulator = emulatorControl(platform.emulatorUrl);
  let nc: NatsConnection | undefined;
  try {
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

    // Written against the contract; where the phone service does not have CHALLENGED yet, its schema
    // has no challenge field and a challenge comes back BLOCKED (no message), as it does today.
    const shape = await gql<{ __type: { fields: Array<{ name: string }> } | null }>(
      apiKey,
      '{ __type(name: "PhoneVerification") { fields { name } } }',
      {},
    );
    const challenges = shape.data?.__type?.fields.some((f) => f.name === 'challenge') ?? false;
    log(`e2e: the phone service ${challenges ? 'has' : 'does not have'} CHALLENGED verifications`);
    const verificationFields = challenges
      ? 'id status riskAssessment { reasons } challenge { algorithm challenge salt signature maxNumber }'
      : 'id status riskAssessment { reasons }';
    const realReasons = new Map<string, number>();
    const tallies = new Map<
      Actor,
      {
        attempted: number;
        sent: number;
        refused: number;
        firstRefusal: number | null;
        challenged: number;
        noMessage: number;
        users: number;
      }
    >();
    const tallyOf = (actor: Actor) => {
      let t = tallies.get(actor);
      if (!t)
        tallies.set(
          actor,
          (t = {
            attempted: 0,
            sent: 0,
            refused: 0,
            firstRefusal: null,
            challenged: 0,
            noMessage: 0,
            users: 0,
          }),
        );
      return t;
    };
    const statuses = new Map<string, number>();
    const one = async (attempt: Attempt, measured: boolean) => {
      const t = tallyOf(attempt.actor);
      const created = await gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
        apiKey,
        `mutation ($t: ID!, $p: String!) { createInquiry(input: { templateId: $t, fields: { nameFirst: "Ada", nameLast: "Lovelace", phoneNumber: $p } }) { inquiry { id } sessionToken } }`,
        { t: templateId, p: attempt.phoneNumber },
      );
      const inquiry = created.data?.createInquiry;
      if (!inquiry) throw new Error(`createInquiry: ${JSON.stringify(created.errors)}`);
      const started = await gql<{ startPhoneVerification: { verification: Verification } }>(
        inquiry.sessionToken,
        `mutation ($i: ID!, $p: String!) { startPhoneVerification(inquiryId: $i, phoneNumber: $p) { verification { ${verificationFields} } } }`,
        { i: inquiry.inquiry.id, p: attempt.phoneNumber },
        attempt.ip,
      );
      let verification: Verification | undefined = started.data?.startPhoneVerification.verification;
      if (verification && !challenges) verification = { ...verification, challenge: null };
      if (measured) t.attempted += 1;
      if (measured && attempt.actor === 'real') t.users += 1;
      if (!verification) {
        statuses.set(
          `error ${started.errors?.[0]?.extensions?.code}`,
          (statuses.get(`error ${started.errors?.[0]?.extensions?.code}`) ?? 0) + 1,
        );
        if (measured && attempt.actor === 'real') t.noMessage += 1;
        return;
      }
      if (verification.status === 'CHALLENGED' && verification.challenge && attempt.actor === 'real') {
        if (measured) t.challenged += 1;
        const c = verification.challenge;
        const solution = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxNumber).promise;
        const payload = Buffer.from(
          JSON.stringify({
            algorithm: c.algorithm,
            challenge: c.challenge,
            number: solution?.number,
            salt: c.salt,
            signature: c.signature,
          }),
        ).toString('base64');
        const retried = await gql<{ resendPhoneVerification: Verification }>(
          inquiry.sessionToken,
          `mutation ($v: ID!, $s: String) { resendPhoneVerification(verificationId: $v, challengeSolution: $s) { ${verificationFields} } }`,
          { v: verification.id, s: payload },
          attempt.ip,
        );
        verification = retried.data?.resendPhoneVerification ?? verification;
      }
      statuses.set(verification.status, (statuses.get(verification.status) ?? 0) + 1);
      const sent = verification.status === 'PENDING' || verification.status === 'APPROVED';
      if (!measured) {
        if (sent && attempt.verifies) await enter(inquiry.sessionToken, verification.id, attempt);
        return;
      }
      if (sent) {
        t.sent += 1;
        if (attempt.verifies) await enter(inquiry.sessionToken, verification.id, attempt);
      } else {
        if (t.firstRefusal === null) t.firstRefusal = t.sent;
        t.refused += 1;
        if (attempt.actor === 'real') {
          t.noMessage += 1;
          for (const r of verification.riskAssessment?.reasons ?? [])
            realReasons.set(r, (realReasons.get(r) ?? 0) + 1);
        }
      }
    };
    const enter = async (token: string, verificationId: string, attempt: Attempt) => {
      const code = await emulator.latestCode(attempt.phoneNumber);
      await gql(
        token,
        `mutation ($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }`,
        {
          v: verificationId,
          c: code,
        },
      );
    };
    const runAll = async (attempts: Attempt[], measured: boolean, concurrency: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < attempts.length) await one(attempts[next++]!, measured);
        }),
      );
    };

    // fraud.assess timed over NATS while the traffic runs.
    nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    const pii = new PiiCipher(PII_KEY);
    const natsLatency: number[] = [];
    let probing = true;
    const probe = (async () => {
      const encoder = new TextEncoder();
      while (probing) {
        const body = {
          accountId: 'acc_latency_probe',
          inquiryId: randomUUID(),
          verificationId: randomUUID(),
          phoneNumberSealed: pii.seal(
            traffic.warmUp[natsLatency.length % traffic.warmUp.length]!.phoneNumber,
          ),
          countryCode: 'US',
          channel: 'SMS',
          ip: null,
        };
        const t = performance.now();
        await nc!
          .request(`${namespace}.rpc.fraud.assess`, encoder.encode(JSON.stringify(body)), { timeout: 5000 })
          .catch(() => undefined);
        natsLatency.push(performance.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const t0 = performance.now();
    // The warm-up is the account's history: real users one after another, as a day spreads them.
    log(`e2e: warm-up, ${traffic.warmUp.length} real users one at a time`);
    await runAll(traffic.warmUp, false, 1);
    log(`e2e: measured, ${traffic.measured.length} attempts (real users and attacks), 8 at a time`);
    await runAll(traffic.measured, true, 8);
    probing = false;
    await probe;
    const seconds = (performance.now() - t0) / 1000;
    natsLatency.sort((a, b) => a - b);

    console.log('\n== e2e (through the gateway, compressed time)');
    let fraudSent = 0;
    let fraudAttempted = 0;
    let worst = 0;
    for (const kind of attackKinds) {
      const t = tallies.get(kind);
      if (!t) continue;
      fraudSent += t.sent;
      fraudAttempted += t.attempted;
      worst = Math.max(worst, t.firstRefusal ?? t.sent);
      console.log(
        `${kind.padEnd(20)} ${`${t.sent}/${t.attempted}`.padStart(10)} sent, first refusal after ${t.firstRefusal ?? `never (${t.sent})`}`,
      );
    }
    const real = tallyOf('real');
    console.log(
      `all attacks: ${fraudSent}/${fraudAttempted} sent (${((100 * (fraudAttempted - fraudSent)) / Math.max(1, fraudAttempted)).toFixed(1)}% stopped), max before first refusal ${worst}`,
    );
    console.log(
      `real users: ${real.users}, without a message: ${real.noMessage}, challenged: ${real.challenged}`,
    );
    console.log(`statuses: ${[...statuses.entries()].map(([s, n]) => `${s} ${n}`).join(', ')}`);
    console.log(
      `real users refused by: ${[...realReasons.entries()].map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`,
    );
    console.log(
      `fraud.assess over NATS during the run: p50 ${percentile(natsLatency, 50).toFixed(2)} ms, p99 ${percentile(natsLatency, 99).toFixed(2)} ms (${natsLatency.length} asks), ${seconds.toFixed(0)} s`,
    );
    return {
      mode: 'e2e',
      phoneHasChallenges: challenges,
      fraudSent,
      fraudAttempted,
      maxSentBeforeFirstStop: worst,
      realUsers: real.users,
      realWithoutMessage: real.noMessage,
      realChallenged: real.challenged,
      statuses: Object.fromEntries(statuses),
      assessP50NatsMs: percentile(natsLatency, 50),
      assessP99NatsMs: percentile(natsLatency, 99),
    };
  } finally {
    http.close();
    await nc?.close();
    await platform.stop();
    rmSync(copy, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: DATABASE_URL.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS attestor_bench_fraud WITH (FORCE)').finally(() => admin.end());
    const cleanup = await connect({ servers: 'nats://127.0.0.1:4222' });
    await (await cleanup.jetstreamManager()).streams.delete(streamName(namespace)).catch(() => false);
    await cleanup.close();
  }
}
