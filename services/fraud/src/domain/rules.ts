import { countryPolicyOf, type FraudMode, type FraudPolicy } from './policy.js';

/**
 * The fraud rules: a pure decision from the account's policy, what Lookup knows about the number and
 * how many sends the account made recently. Every rule, its formula and its threshold is written down
 * in docs/fraud.md; keep the two in step.
 */
export const riskDecisions = ['ALLOW', 'CHALLENGE', 'BLOCK'] as const;
export type RiskDecision = (typeof riskDecisions)[number];

export const RiskReason = {
  COUNTRY_SMS_DISABLED: 'COUNTRY_SMS_DISABLED',
  COUNTRY_HOURLY_LIMIT: 'COUNTRY_HOURLY_LIMIT',
  ACCOUNT_DAILY_LIMIT: 'ACCOUNT_DAILY_LIMIT',
  NUMBER_BLOCKED: 'NUMBER_BLOCKED',
  LINE_TYPE_BLOCKED: 'LINE_TYPE_BLOCKED',
  SMS_PUMPING_RISK_HIGH: 'SMS_PUMPING_RISK_HIGH',
  SMS_PUMPING_RISK_ELEVATED: 'SMS_PUMPING_RISK_ELEVATED',
  LOOKUP_UNAVAILABLE: 'LOOKUP_UNAVAILABLE',
} as const;
export type RiskReason = (typeof RiskReason)[keyof typeof RiskReason];

/** What Lookup (sms_pumping_risk + line_type_intelligence) told us about the number. */
export interface NumberFacts {
  valid: boolean;
  countryCode: string | null;
  lineType: string | null;
  smsPumpingRiskScore: number | null;
  carrierRiskCategory: string | null;
  numberBlocked: boolean;
}

/** Sends already made (ALLOW assessments) in the rules' windows, this one not included. */
export interface SendCounters {
  /** The account's sends to the number's country in the last 60 minutes. */
  countryLastHour: number;
  /** The account's sends to any country in the last 24 hours. */
  accountLastDay: number;
}

export interface RiskThresholds {
  /** SMS pumping risk score from which a send is blocked (default 90). */
  blockAt: number;
  /** SMS pumping risk score from which a send needs a challenge (default 60). */
  challengeAt: number;
}

export const defaultThresholds: RiskThresholds = { blockAt: 90, challengeAt: 60 };

export interface AssessmentInput {
  policy: FraudPolicy;
  /** ISO alpha-2 country of the number; null when it could not be told. */
  countryCode: string | null;
  /** null when Lookup could not be reached: the Lookup rules cannot fire. */
  facts: NumberFacts | null;
  counters: SendCounters;
  thresholds: RiskThresholds;
}

type Observed = Record<string, string | number | boolean | null | string[]>;

/** One rule as it was evaluated: whether it fired and the numbers it compared. */
export interface RuleEvaluation {
  rule: RiskReason;
  fired: boolean;
  /** What the rule does when it fires (in ENFORCE mode). */
  effect: Exclude<RiskDecision, 'ALLOW'> | 'NOTE';
  saw: Observed;
}

export interface AssessmentDetails {
  rules: RuleEvaluation[];
  thresholds: RiskThresholds;
  /** The decision ENFORCE would have taken; differs from `decision` only in RECORD_ONLY mode. */
  enforcedDecision: RiskDecision;
}

export interface Assessment {
  decision: RiskDecision;
  /** 0..100: max(SMS pumping risk score, 100 when a BLOCK rule fired). */
  score: number;
  /** Rules that fired, in evaluation order. */
  reasons: RiskReason[];
  mode: FraudMode;
  details: AssessmentDetails;
}

function evaluate(input: AssessmentInput): RuleEvaluation[] {
  const { policy, countryCode, facts, counters, thresholds } = input;
  const country = countryPolicyOf(policy, countryCode);
  const countryCap = country?.maxPerHour ?? null;
  const dailyCap = policy.maxSmsPerDay;
  const score = facts?.smsPumpingRiskScore ?? null;
  const lineType = facts?.lineType ?? null;
  return [
    {
      rule: RiskReason.COUNTRY_SMS_DISABLED,
      fired: country !== undefined && !country.smsAllowed,
      effect: 'BLOCK',
      saw: { countryCode, smsAllowed: country?.smsAllowed ?? true },
    },
    {
      rule: RiskReason.COUNTRY_HOURLY_LIMIT,
      fired: countryCap !== null && counters.countryLastHour >= countryCap,
      effect: 'BLOCK',
      saw: { countryCode, sentLastHour: counters.countryLastHour, maxPerHour: countryCap },
    },
    {
      rule: RiskReason.ACCOUNT_DAILY_LIMIT,
      fired: dailyCap !== null && counters.accountLastDay >= dailyCap,
      effect: 'BLOCK',
      saw: { sentLast24Hours: counters.accountLastDay, maxSmsPerDay: dailyCap },
    },
    {
      rule: RiskReason.NUMBER_BLOCKED,
      fired: facts?.numberBlocked === true,
      effect: 'BLOCK',
      saw: { numberBlocked: facts?.numberBlocked ?? null },
    },
    {
      rule: RiskReason.LINE_TYPE_BLOCKED,
      fired: lineType !== null && (policy.blockLineTypes as string[]).includes(lineType),
      effect: 'BLOCK',
      saw: { lineType, blockLineTypes: policy.blockLineTypes },
    },
    {
      rule: RiskReason.SMS_PUMPING_RISK_HIGH,
      fired: score !== null && score >= thresholds.blockAt,
      effect: 'BLOCK',
      saw: { smsPumpingRiskScore: score, blockAt: thresholds.blockAt },
    },
    {
      rule: RiskReason.SMS_PUMPING_RISK_ELEVATED,
      fired: score !== null && score >= thresholds.challengeAt && score < thresholds.blockAt,
      effect: 'CHALLENGE',
      saw: { smsPumpingRiskScore: score, challengeAt: thresholds.challengeAt, blockAt: thresholds.blockAt },
    },
    {
      rule: RiskReason.LOOKUP_UNAVAILABLE,
      fired: facts === null,
      effect: 'NOTE',
      saw: { carrierRiskCategory: facts?.carrierRiskCategory ?? null, valid: facts?.valid ?? null },
    },
  ];
}

/** Decides on one send. Pure: the caller supplies the policy, the Lookup facts and the counters. */
export function assess(input: AssessmentInput): Assessment {
  const rules = evaluate(input);
  const fired = rules.filter((rule) => rule.fired);
  const enforcedDecision: RiskDecision = fired.some((rule) => rule.effect === 'BLOCK')
    ? 'BLOCK'
    : fired.some((rule) => rule.effect === 'CHALLENGE')
      ? 'CHALLENGE'
      : 'ALLOW';
  const pumpingScore = input.facts?.smsPumpingRiskScore ?? 0;
  const score = clampScore(Math.max(pumpingScore, enforcedDecision === 'BLOCK' ? 100 : 0));
  return {
    decision: input.policy.mode === 'RECORD_ONLY' ? 'ALLOW' : enforcedDecision,
    score,
    reasons: fired.map((rule) => rule.rule),
    mode: input.policy.mode,
    details: { rules, thresholds: input.thresholds, enforcedDecision },
  };
}

function clampScore(value: number): number {
  return Math.min(100, Math.max(0, Math.round(value)));
}
