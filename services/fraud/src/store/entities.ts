import { EntitySchema } from 'typeorm';
import type { FraudMode, CountryPolicy, LookupLineType } from '../domain/policy.js';
import type { AssessmentDetails, NumberFacts, RiskDecision, RiskReason } from '../domain/rules.js';

/** The rules' own record plus how the send was asked for and where the facts and counts came from. */
export type StoredAssessmentDetails = AssessmentDetails & {
  channel: string;
  attempt: 'START' | 'RESEND';
  lookup: 'CACHE' | 'LOOKUP' | 'UNAVAILABLE' | 'OFF';
  /** SHARED: the velocity store every instance shares; LOCAL: this instance's fallback counts. */
  velocity: 'SHARED' | 'LOCAL';
  /** Where the line type the rules saw came from. */
  lineTypeSource: 'LOOKUP' | 'PLAN' | null;
};

/** One decision on one send, with what each rule saw (the audit trail of docs/fraud.md). */
export interface AssessmentRow {
  id: string;
  accountId: string;
  inquiryId: string;
  verificationId: string;
  decision: RiskDecision;
  score: number;
  reasons: RiskReason[];
  details: StoredAssessmentDetails;
  countryCode: string | null;
  lineType: string | null;
  smsPumpingRiskScore: number | null;
  mode: FraudMode;
  /** Keyed hash of the number; erased when the inquiry is redacted. */
  phoneHash: string | null;
  /** Keyed hashes of the number's prefixes (domain/number.ts); erased with the number's hash. */
  prefixHashes: string[] | null;
  /** Keyed hash of the client address the send was asked from (null without one); erased with the number's. */
  ipHash: string | null;
  createdAt: Date;
}

export const AssessmentEntity = new EntitySchema<AssessmentRow>({
  name: 'Assessment',
  tableName: 'assessments',
  columns: {
    id: { type: 'uuid', primary: true },
    accountId: { type: 'text', name: 'account_id' },
    inquiryId: { type: 'text', name: 'inquiry_id' },
    verificationId: { type: 'text', name: 'verification_id' },
    decision: { type: 'text' },
    score: { type: 'int' },
    reasons: { type: 'jsonb' },
    details: { type: 'jsonb' },
    countryCode: { type: 'text', name: 'country_code', nullable: true },
    lineType: { type: 'text', name: 'line_type', nullable: true },
    smsPumpingRiskScore: { type: 'int', name: 'sms_pumping_risk_score', nullable: true },
    mode: { type: 'text' },
    phoneHash: { type: 'text', name: 'phone_hash', nullable: true },
    prefixHashes: { type: 'text', name: 'prefix_hashes', array: true, nullable: true },
    ipHash: { type: 'text', name: 'ip_hash', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
  },
});

export interface PolicyRow {
  accountId: string;
  mode: FraudMode;
  countries: CountryPolicy[];
  blockLineTypes: LookupLineType[];
  callLineTypes: LookupLineType[];
  maxSmsPerDay: number | null;
  challengeAt: number | null;
  blockAt: number | null;
  challengeAcceptsCall: boolean;
  updatedAt: Date;
}

export const PolicyEntity = new EntitySchema<PolicyRow>({
  name: 'Policy',
  tableName: 'policies',
  columns: {
    accountId: { type: 'text', name: 'account_id', primary: true },
    mode: { type: 'text' },
    countries: { type: 'jsonb' },
    blockLineTypes: { type: 'text', name: 'block_line_types', array: true },
    callLineTypes: { type: 'text', name: 'call_line_types', array: true },
    maxSmsPerDay: { type: 'int', name: 'max_sms_per_day', nullable: true },
    challengeAt: { type: 'int', name: 'challenge_at', nullable: true },
    blockAt: { type: 'int', name: 'block_at', nullable: true },
    challengeAcceptsCall: { type: 'boolean', name: 'challenge_accepts_call' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

/** The Lookup cache: facts about a number (no number, no account), keyed by the number's hash. */
export interface LookupRow {
  phoneHash: string;
  /** null while an instance holds the claim to fetch it. */
  result: NumberFacts | null;
  fetchedAt: Date | null;
  claimedUntil: Date | null;
}

export const LookupEntity = new EntitySchema<LookupRow>({
  name: 'Lookup',
  tableName: 'lookups',
  columns: {
    phoneHash: { type: 'text', name: 'phone_hash', primary: true },
    result: { type: 'jsonb', nullable: true },
    fetchedAt: { type: 'timestamptz', name: 'fetched_at', nullable: true },
    claimedUntil: { type: 'timestamptz', name: 'claimed_until', nullable: true },
  },
});

/** What became of each verification, from the phone service's events: the statistics' source. */
export interface VerificationOutcomeRow {
  verificationId: string;
  accountId: string;
  countryCode: string;
  startedAt: Date;
  approvedAt: Date | null;
  blocked: boolean;
  /** Messages sent for the verification so far (the events' sendCount). */
  sendCount: number;
}

export const VerificationOutcomeEntity = new EntitySchema<VerificationOutcomeRow>({
  name: 'VerificationOutcome',
  tableName: 'verification_outcomes',
  columns: {
    verificationId: { type: 'text', name: 'verification_id', primary: true },
    accountId: { type: 'text', name: 'account_id' },
    countryCode: { type: 'text', name: 'country_code' },
    startedAt: { type: 'timestamptz', name: 'started_at' },
    approvedAt: { type: 'timestamptz', name: 'approved_at', nullable: true },
    blocked: { type: 'boolean' },
    sendCount: { type: 'int', name: 'send_count' },
  },
});

export const fraudEntities = [AssessmentEntity, PolicyEntity, LookupEntity, VerificationOutcomeEntity];
