import { EntitySchema } from 'typeorm';
import type { NameMatchResult } from '@attestor/contracts';
import type { MatchLevel } from '../domain/evidence.js';
import type { NameComparison } from '../domain/names.js';

export const databaseVerificationStatuses = ['PENDING', 'COMPLETED', 'FAILED'] as const;
export type DatabaseVerificationStatus = (typeof databaseVerificationStatuses)[number];

/** Twilio's own verdict (Lookup identity_match) on the inquiry's name, kept beside ours for reviewers. */
export interface CarrierIdentityMatch {
  firstNameMatch: MatchLevel | null;
  lastNameMatch: MatchLevel | null;
  summaryScore: number | null;
}

/**
 * The comparison as stored: never a name, only how the names compared. After redaction only
 * `result` and `score` remain.
 */
export type StoredNameMatch = {
  result: NameMatchResult;
  score: number;
  /** The matcher's reasons plus the evidence's (IDENTITY_MATCH_CONFIRMS, NO_CALLER_NAME…). */
  reasons?: string[];
  first?: NameComparison['first'];
  last?: NameComparison['last'];
  identityMatch?: CarrierIdentityMatch | null;
};

export interface DatabaseVerificationRow {
  id: string;
  accountId: string;
  inquiryId: string;
  phoneVerificationId: string | null;
  status: DatabaseVerificationStatus;
  /** Where the reference name came from, e.g. PHONE_CARRIER (Lookup caller_name). */
  source: string;
  result: NameMatchResult | null;
  nameMatch: StoredNameMatch | null;
  /** Why a FAILED check could not compare (e.g. LOOKUP_UNAVAILABLE); null otherwise. */
  failureReason: string | null;
  createdAt: Date;
  completedAt: Date | null;
  redactedAt: Date | null;
}

export const DatabaseVerificationEntity = new EntitySchema<DatabaseVerificationRow>({
  name: 'DatabaseVerification',
  tableName: 'database_verifications',
  columns: {
    id: { type: 'uuid', primary: true },
    accountId: { type: 'text', name: 'account_id' },
    inquiryId: { type: 'text', name: 'inquiry_id' },
    phoneVerificationId: { type: 'text', name: 'phone_verification_id', nullable: true },
    status: { type: 'text' },
    source: { type: 'text' },
    result: { type: 'text', nullable: true },
    nameMatch: { type: 'jsonb', name: 'name_match', nullable: true },
    failureReason: { type: 'text', name: 'failure_reason', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    completedAt: { type: 'timestamptz', name: 'completed_at', nullable: true },
    redactedAt: { type: 'timestamptz', name: 'redacted_at', nullable: true },
  },
});
