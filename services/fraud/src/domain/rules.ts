import type { PhoneChannel } from '@attestor/contracts';
import {
  defaultBreakerModel,
  paidChallengesFail,
  tripOf,
  unverifiedOf,
  type BreakerModel,
  type KeyConversion,
  type OpenBreaker,
  type Trip,
} from './breaker.js';
import type { LookupLineType } from '@attestor/contracts';
import type { ListEntry } from './lists.js';
import { countryPolicyOf, type FraudMode, type FraudPolicy, type RiskThresholds } from './policy.js';
import { adaptiveLimit, velocityLimits, type VelocityCounts } from './velocity.js';

export type { RiskThresholds } from './policy.js';

/**
 * The fraud rules: a pure decision from the account's policy, what the number and Lookup say, the
 * lists, the velocity counters and the conversion breakers. Every rule, its formula and its threshold
 * is written down in docs/fraud.md, in this order; keep the two in step.
 */
export const riskDecisions = ['ALLOW', 'CHALLENGE', 'BLOCK'] as const;
export type RiskDecision = (typeof riskDecisions)[number];

/** The engine's layers (docs/fraud.md "Layers"); each can be switched off to measure what it adds. */
export const layers = ['lookup', 'policy', 'lists', 'velocity', 'breakers', 'score'] as const;
export type Layer = (typeof layers)[number];

type Effect = Exclude<RiskDecision, 'ALLOW'> | 'NOTE';

/** Every rule: its effect when it fires and the layer it belongs to, in evaluation order. */
export const ruleTable = {
  LIST_BLOCKED: { effect: 'BLOCK', layer: 'lists' },
  COUNTRY_SMS_DISABLED: { effect: 'BLOCK', layer: 'policy' },
  COUNTRY_HOURLY_LIMIT: { effect: 'BLOCK', layer: 'policy' },
  ACCOUNT_DAILY_LIMIT: { effect: 'BLOCK', layer: 'policy' },
  NUMBER_BLOCKED: { effect: 'BLOCK', layer: 'lookup' },
  LINE_TYPE_BLOCKED: { effect: 'BLOCK', layer: 'policy' },
  SMS_PUMPING_RISK_HIGH: { effect: 'BLOCK', layer: 'lookup' },
  SMS_PUMPING_RISK_ELEVATED: { effect: 'CHALLENGE', layer: 'lookup' },
  VELOCITY_NUMBER: { effect: 'BLOCK', layer: 'velocity' },
  VELOCITY_IP_HIGH: { effect: 'BLOCK', layer: 'velocity' },
  VELOCITY_PREFIX_HIGH: { effect: 'BLOCK', layer: 'velocity' },
  BREAKER_ESCALATED: { effect: 'BLOCK', layer: 'breakers' },
  VELOCITY_IP: { effect: 'CHALLENGE', layer: 'velocity' },
  VELOCITY_PREFIX: { effect: 'CHALLENGE', layer: 'velocity' },
  VELOCITY_COUNTRY: { effect: 'CHALLENGE', layer: 'velocity' },
  VELOCITY_ACCOUNT: { effect: 'CHALLENGE', layer: 'velocity' },
  BREAKER_OPEN: { effect: 'CHALLENGE', layer: 'breakers' },
  RISK_SCORE_ELEVATED: { effect: 'CHALLENGE', layer: 'score' },
  LIST_ALLOWED: { effect: 'NOTE', layer: 'lists' },
  VERIFIED_BEFORE: { effect: 'NOTE', layer: 'lists' },
  LOOKUP_UNAVAILABLE: { effect: 'NOTE', layer: 'lookup' },
  VELOCITY_LOCAL: { effect: 'NOTE', layer: 'velocity' },
  CHALLENGE_PASSED: { effect: 'NOTE', layer: 'score' },
} as const satisfies Record<string, { effect: Effect; layer: Layer }>;

export type RiskReason = keyof typeof ruleTable;
export const RiskReason = Object.fromEntries(Object.keys(ruleTable).map((name) => [name, name])) as {
  [R in RiskReason]: R;
};

/** Rules a number on the account's allow list skips (the policy's own rules still apply). */
const skippedWhenAllowListed = new Set<RiskReason>([
  'NUMBER_BLOCKED',
  'LINE_TYPE_BLOCKED',
  'SMS_PUMPING_RISK_HIGH',
  'SMS_PUMPING_RISK_ELEVATED',
  'VELOCITY_NUMBER',
  'VELOCITY_IP_HIGH',
  'VELOCITY_PREFIX_HIGH',
  'BREAKER_ESCALATED',
  'VELOCITY_IP',
  'VELOCITY_PREFIX',
  'VELOCITY_COUNTRY',
  'VELOCITY_ACCOUNT',
  'BREAKER_OPEN',
  'RISK_SCORE_ELEVATED',
]);

/** Rules a number that verified before for this account skips: its owner has shown they are real. */
const skippedWhenVerifiedBefore = new Set<RiskReason>([
  'BREAKER_ESCALATED',
  'VELOCITY_IP',
  'VELOCITY_PREFIX',
  'VELOCITY_COUNTRY',
  'VELOCITY_ACCOUNT',
  'BREAKER_OPEN',
  'RISK_SCORE_ELEVATED',
]);

/** What Lookup (sms_pumping_risk + line_type_intelligence) told us about the number. */
export interface NumberFacts {
  valid: boolean;
  countryCode: string | null;
  lineType: string | null;
  smsPumpingRiskScore: number | null;
  carrierRiskCategory: string | null;
  numberBlocked: boolean;
}

/** Sends already made (ALLOW assessments) in the policy caps' windows, this one not included. */
export interface SendCounters {
  /** The account's sends to the number's country in the last 60 minutes. */
  countryLastHour: number;
  /** The account's sends to any country in the last 24 hours. */
  accountLastDay: number;
}

export const defaultThresholds: RiskThresholds = { blockAt: 90, challengeAt: 60 };

/** Points the carrier's risk category alone is worth in the combined score. */
export const carrierRiskPoints: Record<string, number> = { low: 0, mild: 15, moderate: 30, high: 50 };
/** Points each weak signal adds to the combined score. */
export const WEAK_SIGNAL_POINTS = 20;

/** Everything the engine reads besides the policy and Lookup; absent parts are "nothing known". */
export interface Signals {
  channel: PhoneChannel;
  attempt: 'START' | 'RESEND';
  /** The client solved the proof-of-work of an earlier CHALLENGE for this verification. */
  challengeSolved: boolean;
  /** The numbering plan's type of the number (used when Lookup gives none). */
  planLineType: LookupLineType | null;
  /** The deciding list entry (lists.ts listVerdict), or null. */
  listEntry: Pick<ListEntry, 'id' | 'kind' | 'match'> | null;
  /** The number verified before for this account. */
  verifiedBefore: boolean;
  velocity: {
    counts: VelocityCounts;
    /** SHARED: the store every instance shares; LOCAL: this instance's own counts (store unavailable). */
    source: 'SHARED' | 'LOCAL';
  };
  /** Conversions of the keys this send falls under (the country, each prefix, the client address, the account). */
  conversions: KeyConversion[];
  /** Breakers open now on those keys. */
  breakers: OpenBreaker[];
  /** The account has a verified send in any country (a first verification makes no country "new"). */
  accountEverVerified: boolean;
  /** The country's SMS price is at or above the configured high-cost line. */
  highCostCountry: boolean;
  /** Layers switched off (benchmarks measure each layer this way); default none. */
  disabled: ReadonlySet<Layer>;
  breakerModel: BreakerModel;
}

export interface AssessmentInput extends Partial<Signals> {
  policy: FraudPolicy;
  /** ISO alpha-2 country of the number; null when it could not be told. */
  countryCode: string | null;
  /** null when Lookup could not be reached: the Lookup rules cannot fire. */
  facts: NumberFacts | null;
  counters: SendCounters;
  /** The thresholds acting for this policy (policy.ts thresholdsOf). */
  thresholds: RiskThresholds;
}

type Observed = Record<string, string | number | boolean | null | string[]>;

/** One rule as it was evaluated: whether it fired and the numbers it compared. */
export interface RuleEvaluation {
  rule: RiskReason;
  fired: boolean;
  /** What the rule does when it fires (in ENFORCE mode). */
  effect: Effect;
  saw: Observed;
}

/** A breaker this assessment opens (no breaker was open on its key and the key tripped). */
export interface BreakerOpening {
  conversion: KeyConversion;
  trip: Trip;
}

export interface AssessmentDetails {
  rules: RuleEvaluation[];
  thresholds: RiskThresholds;
  /** The decision ENFORCE would have taken; differs from `decision` only in RECORD_ONLY mode. */
  enforcedDecision: RiskDecision;
  /** The combined score before the decision floors it (docs/fraud.md "Score"). */
  combinedScore: number;
  /** The acting breakers' worst unverified sends ÷ their threshold (0 with none acting). */
  breakerPressure: number;
}

export interface Assessment {
  decision: RiskDecision;
  /** 0..100 (docs/fraud.md "Score"). */
  score: number;
  /** Rules that fired, in evaluation order. */
  reasons: RiskReason[];
  mode: FraudMode;
  /** A channel that would be allowed where this one is not, or null. */
  suggestedChannel: PhoneChannel | null;
  /** Breakers to open with this decision. */
  opens: BreakerOpening[];
  /** How many times the usual proof of work a CHALLENGE asks (1 otherwise): challengeWorkOf. */
  challengeWork: number;
  details: AssessmentDetails;
}

/** The most a challenge multiplies the usual proof of work by. */
export const MAX_CHALLENGE_WORK = 8;

/**
 * A challenge asked by an open breaker costs more the further its key's unverified sends are past the
 * breaker's threshold: ×1 up to twice the threshold, then doubling with each doubling of the pressure,
 * at most MAX_CHALLENGE_WORK. An attacker who pays the proof of work pays more for each message as the
 * attack grows; a real user of a key under attack waits a few seconds more, and only while it lasts.
 */
export function challengeWorkOf(breakerPressure: number): number {
  if (!(breakerPressure >= 2)) return 1;
  return Math.min(MAX_CHALLENGE_WORK, 2 ** Math.floor(Math.log2(breakerPressure)));
}

const label = (breaker: { scope: string; label: string }) => `${breaker.scope}:${breaker.label}`;

interface Evaluated {
  rules: RuleEvaluation[];
  combinedScore: number;
  opens: BreakerOpening[];
  lineTypeCallable: boolean;
  breakerPressure: number;
}

function evaluate(input: AssessmentInput, signals: Signals): Evaluated {
  const { policy, countryCode, facts, counters, thresholds } = input;
  const { velocity, disabled, breakerModel } = signals;
  const counts = velocity.counts;
  const country = countryPolicyOf(policy, countryCode);
  const countryCap = country?.maxPerHour ?? null;
  const dailyCap = policy.maxSmsPerDay;
  const score = facts?.smsPumpingRiskScore ?? null;
  const lineType = facts?.lineType ?? signals.planLineType;
  const textChannel = signals.channel !== 'CALL';
  const refusedLineType =
    lineType !== null &&
    (policy.blockLineTypes as string[]).includes(lineType) &&
    (textChannel || !(policy.callLineTypes as string[]).includes(lineType));
  const lineTypeCallable =
    refusedLineType && textChannel && (policy.callLineTypes as string[]).includes(lineType ?? '');

  const countryConversion = signals.conversions.find((c) => c.scope === 'COUNTRY');
  const accountConversion = signals.conversions.find((c) => c.scope === 'ACCOUNT');
  const countryEverVerified = countryConversion?.everVerified ?? false;

  const ipCount = counts.IP ?? 0;
  const prefixCounts = [counts.PREFIX_2 ?? 0, counts.PREFIX_3 ?? 0, counts.PREFIX_4 ?? 0];
  const prefixLimits = (['PREFIX_2', 'PREFIX_3', 'PREFIX_4'] as const).map((c) => velocityLimits[c]);
  const countryLimit = adaptiveLimit('COUNTRY', countryConversion?.window['24h'].verified ?? 0);
  const accountLimit = adaptiveLimit('ACCOUNT', accountConversion?.window['24h'].verified ?? 0);
  const numberLimit = velocityLimits.NUMBER.blockAt ?? Infinity;
  const ipLimits = velocityLimits.IP;

  // Breakers: those open now, and those this send's keys trip.
  const openKeys = new Set(signals.breakers.map((b) => `${b.scope}:${b.key}`));
  const opens = disabled.has('breakers')
    ? []
    : signals.conversions.flatMap((conversion) => {
        if (openKeys.has(`${conversion.scope}:${conversion.key}`)) return [];
        const trip = tripOf(breakerModel, conversion, !signals.accountEverVerified);
        return trip ? [{ conversion, trip }] : [];
      });
  // An open ACCOUNT breaker holds back sends to countries the account never verified in; its
  // established countries have their own breakers, so their real users are not all challenged.
  const acting = [
    ...signals.breakers.map((b) => ({ scope: b.scope, label: b.label, threshold: b.threshold, key: b.key })),
    ...opens.map((o) => ({ ...o.conversion, threshold: o.trip.threshold })),
  ].filter((b) => b.scope !== 'ACCOUNT' || !countryEverVerified);
  const conversionOf = (b: { scope: string; key: string }) =>
    signals.conversions.find((c) => c.scope === b.scope && c.key === b.key);
  /** A key's unverified sends, the worse of its two windows. */
  const unverifiedAt = (b: { scope: string; key: string }) => {
    const conversion = conversionOf(b);
    return conversion
      ? Math.max(
          unverifiedOf(breakerModel, conversion.scope, conversion.window['1h']),
          unverifiedOf(breakerModel, conversion.scope, conversion.window['24h']),
        )
      : 0;
  };
  // A PREFIX or IP breaker escalates; so does a COUNTRY breaker for a country where an account that
  // has verified elsewhere never verified anyone: no known real user of the account is there to turn
  // away, and a challenge alone lets an attacker who pays its proof of work through. Any acting
  // breaker escalates once its key's passed challenges stop verifying (paidChallengesFail): someone
  // pays the proof of work there and never enters a code, so a challenge no longer holds.
  const unconverted = acting.filter((b) => {
    const conversion = conversionOf(b);
    return conversion !== undefined && paidChallengesFail(breakerModel, conversion);
  });
  const escalated = acting.filter((b) => {
    if (unconverted.includes(b)) return true;
    const conversion = conversionOf(b);
    const unserved =
      b.scope === 'COUNTRY' && signals.accountEverVerified && conversion?.everVerified === false;
    if (b.scope !== 'PREFIX' && b.scope !== 'IP' && !unserved) return false;
    return unverifiedAt(b) >= breakerModel.prefixBlockFactor * b.threshold;
  });
  // How far past their thresholds the acting breakers' keys are: what a challenge costs (challengeWorkOf).
  const breakerPressure = Math.max(0, ...acting.map((b) => unverifiedAt(b) / Math.max(1, b.threshold)));

  // The combined score: Lookup's score or the carrier's category, plus weak signals.
  const weak: string[] = [];
  if (signals.accountEverVerified && countryConversion !== undefined && !countryEverVerified)
    weak.push('NEW_COUNTRY');
  if (signals.highCostCountry && !countryEverVerified) weak.push('HIGH_COST_COUNTRY');
  if (ipCount >= 2) weak.push('SHARED_IP');
  if (prefixCounts[2]! >= 2) weak.push('BUSY_PREFIX');
  if (facts?.lineType == null && signals.planLineType !== null && signals.planLineType !== 'mobile') {
    weak.push('PLAN_NOT_MOBILE');
  }
  const carrier = carrierRiskPoints[facts?.carrierRiskCategory ?? ''] ?? 0;
  const base = Math.max(disabled.has('lookup') ? 0 : (score ?? 0), disabled.has('lookup') ? 0 : carrier);
  const combinedScore = clampScore(base + WEAK_SIGNAL_POINTS * weak.length);

  const rules: Array<Omit<RuleEvaluation, 'effect'> & { raw?: boolean }> = [
    {
      rule: 'LIST_BLOCKED',
      fired: signals.listEntry?.kind === 'BLOCK',
      saw: { match: signals.listEntry?.match ?? null, entryId: signals.listEntry?.id ?? null },
    },
    {
      rule: 'COUNTRY_SMS_DISABLED',
      fired: country !== undefined && !country.smsAllowed,
      saw: { countryCode, smsAllowed: country?.smsAllowed ?? true },
    },
    {
      rule: 'COUNTRY_HOURLY_LIMIT',
      fired: countryCap !== null && counters.countryLastHour >= countryCap,
      saw: { countryCode, sentLastHour: counters.countryLastHour, maxPerHour: countryCap },
    },
    {
      rule: 'ACCOUNT_DAILY_LIMIT',
      fired: dailyCap !== null && counters.accountLastDay >= dailyCap,
      saw: { sentLast24Hours: counters.accountLastDay, maxSmsPerDay: dailyCap },
    },
    {
      rule: 'NUMBER_BLOCKED',
      fired: facts?.numberBlocked === true,
      saw: { numberBlocked: facts?.numberBlocked ?? null },
    },
    {
      rule: 'LINE_TYPE_BLOCKED',
      fired: refusedLineType,
      saw: { lineType, blockLineTypes: policy.blockLineTypes },
    },
    {
      rule: 'SMS_PUMPING_RISK_HIGH',
      fired: score !== null && score >= thresholds.blockAt,
      saw: { smsPumpingRiskScore: score, blockAt: thresholds.blockAt },
    },
    {
      rule: 'SMS_PUMPING_RISK_ELEVATED',
      fired: score !== null && score >= thresholds.challengeAt && score < thresholds.blockAt,
      saw: { smsPumpingRiskScore: score, challengeAt: thresholds.challengeAt, blockAt: thresholds.blockAt },
    },
    {
      rule: 'VELOCITY_NUMBER',
      fired: (counts.NUMBER ?? 0) >= numberLimit,
      saw: { sentLast10Minutes: counts.NUMBER ?? 0, limit: numberLimit },
    },
    {
      rule: 'VELOCITY_IP_HIGH',
      fired: ipLimits.blockAt !== null && ipCount >= ipLimits.blockAt,
      saw: { startedLastHour: ipCount, limit: ipLimits.blockAt },
    },
    {
      rule: 'VELOCITY_PREFIX_HIGH',
      fired: prefixCounts.some((n, i) => n >= (prefixLimits[i]!.blockAt ?? Infinity)),
      saw: prefixSaw(
        prefixCounts,
        prefixLimits.map((l) => l.blockAt),
      ),
    },
    {
      rule: 'BREAKER_ESCALATED',
      fired: escalated.length > 0,
      saw: {
        breakers: escalated.map(label),
        factor: breakerModel.prefixBlockFactor,
        paidChallengesUnverified: unconverted.map(label),
      },
    },
    {
      rule: 'VELOCITY_IP',
      fired: ipLimits.challengeAt !== null && ipCount >= ipLimits.challengeAt,
      saw: { startedLastHour: ipCount, limit: ipLimits.challengeAt },
    },
    {
      rule: 'VELOCITY_PREFIX',
      fired: prefixCounts.some((n, i) => n >= (prefixLimits[i]!.challengeAt ?? Infinity)),
      saw: prefixSaw(
        prefixCounts,
        prefixLimits.map((l) => l.challengeAt),
      ),
    },
    {
      rule: 'VELOCITY_COUNTRY',
      fired: countryCode !== null && (counts.COUNTRY ?? 0) >= countryLimit,
      saw: {
        countryCode,
        startedLastHour: counts.COUNTRY ?? 0,
        limit: countryLimit,
        verifiedLast24Hours: countryConversion?.window['24h'].verified ?? 0,
      },
    },
    {
      rule: 'VELOCITY_ACCOUNT',
      fired: (counts.ACCOUNT ?? 0) >= accountLimit,
      saw: {
        startedLastHour: counts.ACCOUNT ?? 0,
        limit: accountLimit,
        verifiedLast24Hours: accountConversion?.window['24h'].verified ?? 0,
      },
    },
    {
      rule: 'BREAKER_OPEN',
      fired: acting.length > 0,
      saw: {
        open: signals.breakers.map(label),
        opening: opens.map((o) => label(o.conversion)),
      },
    },
    {
      rule: 'RISK_SCORE_ELEVATED',
      fired: combinedScore >= thresholds.challengeAt && (score === null || score < thresholds.challengeAt),
      saw: {
        combinedScore,
        smsPumpingRiskScore: score,
        carrierRiskCategory: facts?.carrierRiskCategory ?? null,
        signals: weak,
        challengeAt: thresholds.challengeAt,
      },
    },
    {
      rule: 'LIST_ALLOWED',
      fired: signals.listEntry?.kind === 'ALLOW',
      saw: { match: signals.listEntry?.kind === 'ALLOW' ? signals.listEntry.match : null },
    },
    {
      rule: 'VERIFIED_BEFORE',
      fired: signals.verifiedBefore,
      saw: { verifiedBefore: signals.verifiedBefore },
    },
    {
      rule: 'LOOKUP_UNAVAILABLE',
      fired: facts === null,
      saw: { carrierRiskCategory: facts?.carrierRiskCategory ?? null, valid: facts?.valid ?? null },
    },
    { rule: 'VELOCITY_LOCAL', fired: velocity.source === 'LOCAL', saw: { source: velocity.source } },
  ];

  const allowListed = signals.listEntry?.kind === 'ALLOW' && !disabled.has('lists');
  const trusted = signals.verifiedBefore && !disabled.has('lists');
  return {
    combinedScore,
    opens,
    lineTypeCallable,
    breakerPressure,
    rules: rules.map(({ rule, fired, saw }) => {
      const entry = ruleTable[rule];
      const off =
        disabled.has(entry.layer) ||
        (allowListed && skippedWhenAllowListed.has(rule)) ||
        (trusted && skippedWhenVerifiedBefore.has(rule));
      return { rule, fired: fired && !off, effect: entry.effect, saw };
    }),
  };
}

function prefixSaw(counts: number[], limits: Array<number | null>): Observed {
  return {
    startedLastHour: counts.map(String),
    limits: limits.map((l) => (l === null ? 'none' : String(l))),
  };
}

const noSignals: Omit<Signals, 'disabled' | 'breakerModel'> = {
  channel: 'SMS',
  attempt: 'START',
  challengeSolved: false,
  planLineType: null,
  listEntry: null,
  verifiedBefore: false,
  velocity: { counts: {}, source: 'SHARED' },
  conversions: [],
  breakers: [],
  accountEverVerified: false,
  highCostCountry: false,
};

/** Decides on one send. Pure: the caller supplies the policy, the facts, the counters and the signals. */
export function assess(input: AssessmentInput): Assessment {
  const signals: Signals = {
    ...noSignals,
    disabled: new Set<Layer>(),
    breakerModel: defaultBreakerModel,
    ...stripUndefined(input),
  };
  const { rules, combinedScore, opens, lineTypeCallable, breakerPressure } = evaluate(input, signals);
  const fired = rules.filter((rule) => rule.fired);
  let enforcedDecision: RiskDecision = fired.some((rule) => rule.effect === 'BLOCK')
    ? 'BLOCK'
    : fired.some((rule) => rule.effect === 'CHALLENGE')
      ? 'CHALLENGE'
      : 'ALLOW';
  const challenged = enforcedDecision === 'CHALLENGE';
  const callAccepted = signals.channel === 'CALL' && input.policy.challengeAcceptsCall;
  const passed = challenged && (signals.challengeSolved || callAccepted);
  rules.push({
    rule: 'CHALLENGE_PASSED',
    fired: passed,
    effect: 'NOTE',
    saw: { challengeSolved: signals.challengeSolved, byCall: callAccepted && !signals.challengeSolved },
  });
  if (passed) enforcedDecision = 'ALLOW';
  const score =
    enforcedDecision === 'BLOCK'
      ? 100
      : challenged
        ? Math.max(combinedScore, input.thresholds.challengeAt)
        : combinedScore;
  const decision = input.policy.mode === 'RECORD_ONLY' ? 'ALLOW' : enforcedDecision;
  const suggestedChannel: PhoneChannel | null =
    decision === 'BLOCK' && lineTypeCallable
      ? 'CALL'
      : decision === 'CHALLENGE' && input.policy.challengeAcceptsCall && signals.channel !== 'CALL'
        ? 'CALL'
        : null;
  const breakerAsked = fired.some((rule) => rule.rule === 'BREAKER_OPEN');
  return {
    decision,
    score: clampScore(score),
    reasons: rules.filter((rule) => rule.fired).map((rule) => rule.rule),
    mode: input.policy.mode,
    suggestedChannel,
    opens,
    challengeWork: decision === 'CHALLENGE' && breakerAsked ? challengeWorkOf(breakerPressure) : 1,
    details: { rules, thresholds: input.thresholds, enforcedDecision, combinedScore, breakerPressure },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function clampScore(value: number): number {
  return Math.min(100, Math.max(0, Math.round(value)));
}
