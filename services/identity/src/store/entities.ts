import { EntitySchema } from 'typeorm';
import type { NameMatchResult } from '@attestor/contracts';
import type { NameComparison } from '../domain/names.js';

export const databaseVerificationStatuses = ['PENDING', 'COMPLETED', 'FAILED'] as const;
export type DatabaseVerificationStatus = (typeof databaseVerificationStatuses)[number];

/** Twilio's own verdict (Lookup identity_match) on the inquiry's name, kept beside ours for reviewers. */
export interface CarrierIdentityMatch {
  firstNameMatch: string | null;
  lastNameMatch: string | null;
  summaryScore: number | null;
}

/**
 * The comparison as stored: never a name, only how the names compared. After redaction only
 * `result` and `score` remain.
 */
export type StoredNameMatch = Pick<NameComparison, 'result' | 'score'> &
  Partial<Omit<NameComparison, 'result' | 'score'>> & { identityMatch?: CarrierIdentityMatch | null };

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
    createdAt: { type: 'timestamptz', name: 'created_at' },
    completedAt: { type: 'timestamptz', name: 'completed_at', nullable: true },
    redactedAt: { type: 'timestamptz', name: 'redacted_at', nullable: true },
  },
});
