/**
 * Drives the real fraud service in this process over simulated days: its own Postgres schema and
 * NATS namespace, the Twilio emulator for Lookup, a TestClock the simulation moves. It plays the
 * phone service's part — asks `rpc.fraud.assess` before each send (half over NATS, half straight to
 * the assessor, to time both), publishes the phone events a send, a resend and a code entered would
 * produce — and records what each actor got.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import {
  createLogger,
  NatsBus,
  parseConfig,
  PiiCipher,
  request,
  startService,
  type RunningService,
} from '@attestor/platform';
import {
  cleanupTestRun,
  publishEvent,
  testEnvironment,
  TestClock,
  uniqueName,
} from '@attestor/platform/testing';
import type { RpcReply, RpcRequest } from '@attestor/contracts';
import { emulatorControl, startEmulator } from '@attestor/twilio-emulator';
import { fraudConfigShape, type FraudConfig } from '../../services/fraud/src/config.js';
import { prefixesOf } from '../../services/fraud/src/domain/number.js';
import type { Layer } from '../../services/fraud/src/domain/rules.js';
import type { Assessor } from '../../services/fraud/src/flows/assess.js';
import { buildFraud, fraudService } from '../../services/fraud/src/service.js';
import type { Actor, Attempt, Traffic } from './fraud-traffic.js';

type Decision = RpcReply<'rpc.fraud.assess'>['decision'];

/** What one actor's attempts came to. */
export interface ActorTally {
  attempted: number;
  /** Messages sent (first sends and resends that were allowed). */
  sent: number;
  challenged: number;
  blocked: number;
  /** Messages sent before this actor kind's first refusal (BLOCK or an unsolved CHALLENGE). */
  sentBeforeFirstRefusal: number | null;
  /** Real users only: users who never got a message, and users challenged at least once. */
  usersWithoutMessage: number;
  usersChallenged: number;
  users: number;
  /** Refused attempts × the country's price. */
  costAvoidedUsd: number;
  reasons: Map<string, number>;
}

export interface EngineResult {
  layersOff: Layer[];
  tallies: Map<Actor, ActorTally>;
  latency: { inProcess: number[]; overNats: number[]; cachedInProcess: number[]; cachedOverNats: number[] };
  /** Why real users were challenged (first reply's reasons). */
  realChallengeReasons: Map<string, number>;
  seconds: number;
}

const ACCOUNT = 'acc_fraud_bench';
/** An actor's tally before anything happened (both modes count the same way). */
export const emptyTally = (): ActorTally => ({
  attempted: 0,
  sent: 0,
  challenged: 0,
  blocked: 0,
  sentBeforeFirstRefusal: null,
  usersWithoutMessage: 0,
  usersChallenged: 0,
  users: 0,
  costAvoidedUsd: 0,
  reasons: new Map(),
});

interface Action {
  at: number;
  kind: 'start' | 'resend' | 'approve' | 'expire';
  attempt: Attempt;
  verificationId: string;
  inquiryId: string;
  sendCount: number;
  /** Only a measured attempt is counted. */
  measured: boolean;
}

export async function runEngine(
  traffic: Traffic,
  options: {
    layersOff: Layer[];
    concurrency: number;
    log: (line: string) => void;
    /** Attackers retry a challenged send as solved too (here they pay nothing: see e2e for the work). */
    attackersSolve?: boolean;
  },
): Promise<EngineResult> {
  const run = uniqueName('fraudbench');
  const emulator = await startEmulator({ port: 0 });
  const control = emulatorControl(emulator.url);
  const seeds = [...traffic.seeds];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let seed = seeds.pop(); seed; seed = seeds.pop()) await control.seed(seed);
    }),
  );
  const schema = `fraud_${run}`;
  const config: FraudConfig = parseConfig(
    fraudConfigShape,
    testEnvironment(run, {
      DB_SCHEMA: schema,
      DB_POOL_SIZE: '10',
      TWILIO_EMULATOR_URL: emulator.url,
      FRAUD_LAYERS_OFF: options.layersOff.join(','),
      // The simulation closes breakers through the assessments' own check of closesAt.
      FRAUD_BREAKER_SWEEP_MS: '3600000',
    }),
  );
  const clock = new TestClock();
  const t0 = Date.now();
  let assessor: Assessor | undefined;
  const service: RunningService<FraudConfig> = await startService(
    {
      ...fraudService,
      build: (deps) => {
        const built = buildFraud(deps);
        assessor = built.assessor;
        return built.parts;
      },
    },
    config,
    { clock },
  );
  const bus = await NatsBus.connect({
    url: config.NATS_URL,
    namespace: run,
    name: 'fraud-bench',
    logger: createLogger({ service: 'fraud-bench', level: 'silent', format: 'json' }),
  });
  const pii = new PiiCipher(config.PII_KEY);
  const prices = config.FRAUD_SMS_PRICES_USD;
  const priceOf = (country: string) => prices[country] ?? config.FRAUD_SMS_PRICE_DEFAULT_USD;
  const tallies = new Map<Actor, ActorTally>();
  const tallyOf = (actor: Actor) => {
    let found = tallies.get(actor);
    if (!found) tallies.set(actor, (found = emptyTally()));
    return found;
  };
  const latency = {
    inProcess: [] as number[],
    overNats: [] as number[],
    cachedInProcess: [] as number[],
    cachedOverNats: [] as number[],
  };
  const looked = new Set<string>();
  const realChallengeReasons = new Map<string, number>();
  let asks = 0;
  let published = 0;
  const started = performance.now();

  const ask = async (body: RpcRequest<'rpc.fraud.assess'>): Promise<RpcReply<'rpc.fraud.assess'>> => {
    const viaNats = asks++ % 2 === 0;
    const number = pii.open(body.phoneNumberSealed);
    const cached = looked.has(number);
    looked.add(number);
    const t = performance.now();
    const reply = viaNats
      ? await request(bus, 'rpc.fraud.assess', body, { timeoutMs: 10_000 })
      : ((await assessor!.assess(body, { requestId: null })) as RpcReply<'rpc.fraud.assess'>);
    const elapsed = performance.now() - t;
    (viaNats ? latency.overNats : latency.inProcess).push(elapsed);
    if (cached) (viaNats ? latency.cachedOverNats : latency.cachedInProcess).push(elapsed);
    return reply;
  };
  const phoneEvent = async (
    type:
      | 'phone.verification.started'
      | 'phone.verification.resent'
      | 'phone.verification.approved'
      | 'phone.verification.expired',
    action: Action,
  ) => {
    const base = {
      inquiryId: action.inquiryId,
      countryCode: action.attempt.countryCode,
      channel: 'SMS' as const,
      sendCount: action.sendCount,
      prefixHashes: prefixesOf(action.attempt.phoneNumber).map((p) => pii.hash(p)),
    };
    published += 1;
    await publishEvent(bus, type, {
      accountId: ACCOUNT,
      subjectId: action.verificationId,
      data:
        type === 'phone.verification.approved'
          ? { ...base, phoneNumberSealed: pii.seal(action.attempt.phoneNumber) }
          : base,
    } as never);
  };

  const queue: Action[] = [];
  const schedule = (action: Action) => {
    let i = queue.length;
    while (i > 0 && queue[i - 1]!.at > action.at) i--;
    queue.splice(i, 0, action);
  };
  const firstRefusalSeen = new Set<Actor>();
  /** Measured real users' verifications that got a message. */
  const realMessaged = new Set<string>();

  const refused = (action: Action, decision: Decision, reasons: string[]) => {
    if (!action.measured) return;
    const t = tallyOf(action.attempt.actor);
    if (decision === 'BLOCK') t.blocked += 1;
    else t.challenged += 1;
    t.costAvoidedUsd += priceOf(action.attempt.countryCode);
    for (const reason of reasons) t.reasons.set(reason, (t.reasons.get(reason) ?? 0) + 1);
    if (!firstRefusalSeen.has(action.attempt.actor)) {
      firstRefusalSeen.add(action.attempt.actor);
      t.sentBeforeFirstRefusal = t.sent;
    }
  };

  const handle = async (action: Action) => {
    const { attempt } = action;
    const t = tallyOf(attempt.actor);
    const body = (challengeSolved: boolean, resend: boolean): RpcRequest<'rpc.fraud.assess'> => ({
      accountId: ACCOUNT,
      inquiryId: action.inquiryId,
      verificationId: action.verificationId,
      phoneNumberSealed: pii.seal(attempt.phoneNumber),
      countryCode: attempt.countryCode,
      channel: 'SMS',
      ip: attempt.ip,
      attempt: resend ? 'RESEND' : 'START',
      challengeSolved,
    });
    if (action.kind === 'approve') return phoneEvent('phone.verification.approved', action);
    if (action.kind === 'expire') return phoneEvent('phone.verification.expired', action);
    const resend = action.kind === 'resend';
    if (action.measured) t.attempted += 1;
    let reply = await ask(body(false, resend));
    if (reply.decision === 'CHALLENGE') {
      if (action.measured && attempt.actor === 'real' && !resend) {
        t.usersChallenged += 1;
        for (const r of reply.reasons) realChallengeReasons.set(r, (realChallengeReasons.get(r) ?? 0) + 1);
      }
      if (attempt.actor === 'real' || options.attackersSolve) {
        // A person (or a paying attacker) solves the proof-of-work and asks again with the solution.
        reply = await ask(body(true, resend));
      }
    }
    if (reply.decision !== 'ALLOW') {
      refused(action, reply.decision, reply.reasons);
      return;
    }
    if (action.measured) t.sent += 1;
    if (!resend && action.measured && attempt.actor === 'real') realMessaged.add(action.verificationId);
    const sent = { ...action, sendCount: action.sendCount + 1 };
    await phoneEvent(resend ? 'phone.verification.resent' : 'phone.verification.started', sent);
    if (!resend && attempt.resends) {
      schedule({ ...sent, kind: 'resend', at: action.at + 45_000 });
      return;
    }
    const later = action.at + attempt.verifyAfterSeconds * 1000;
    schedule(
      attempt.verifies
        ? { ...sent, kind: 'approve', at: later }
        : { ...sent, kind: 'expire', at: action.at + 600_000 },
    );
  };

  for (const [attempts, measured] of [
    [traffic.warmUp, false],
    [traffic.measured, true],
  ] as const) {
    for (const attempt of attempts) {
      schedule({
        at: attempt.at,
        kind: 'start',
        attempt,
        verificationId: randomUUID(),
        inquiryId: randomUUID(),
        sendCount: 0,
        measured,
      });
      if (measured && attempt.actor === 'real') tallyOf('real').users += 1;
    }
  }
  const inbox = `"${schema}".inbox`;
  const STEP = 30_000;
  let lastLog = 0;
  while (queue.length > 0) {
    const stepStart = queue[0]!.at;
    clock.advanceTo(new Date(t0 + stepStart));
    const batch: Action[] = [];
    while (queue.length > 0 && queue[0]!.at < stepStart + STEP) batch.push(queue.shift()!);
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < batch.length) await handle(batch[next++]!);
      }),
    );
    // The phone events reach the fraud service in milliseconds; wait for them as a real system would.
    for (;;) {
      const [row] = (await service.deps.dataSource.query(
        `SELECT count(*)::int AS n FROM ${inbox}`,
      )) as Array<{ n: number }>;
      if ((row?.n ?? 0) >= published) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (stepStart - lastLog > 6 * 3_600_000) {
      lastLog = stepStart;
      options.log(`  simulated ${(stepStart / 3_600_000).toFixed(0)} h, ${asks} asks`);
    }
  }
  const real = tallyOf('real');
  real.usersWithoutMessage = real.users - realMessaged.size;
  const seconds = (performance.now() - started) / 1000;
  if (process.env['FRAUD_BENCH_DEBUG']) {
    const breakers = await service.deps.dataSource.query(
      `SELECT scope, label, reason, opened_at, closes_at, closed_at FROM "${schema}".breakers ORDER BY opened_at`,
    );
    console.table(breakers);
  }
  await bus.close();
  await service.stop();
  await emulator.close();
  await cleanupTestRun(run, [schema]);
  for (const list of Object.values(latency)) list.sort((a, b) => a - b);
  return { layersOff: options.layersOff, tallies, latency, seconds, realChallengeReasons };
}
