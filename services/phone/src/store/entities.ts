import { EntitySchema } from 'typeorm';
import type { PhoneChannel } from '@attestor/contracts';
import type { Challenge } from '../domain/challenge.js';
import type { VerificationStatus } from '../domain/verification.js';

/** One attempt to verify one phone number for one inquiry (table `phone_verifications`). */
export interface PhoneVerificationRecord {
  id: string;
  accountId: string;
  inquiryId: string;
  /** E.164, AES-256-GCM sealed; null once the inquiry is redacted. */
  phoneSealed: string | null;
  /** Keyed hash of the E.164 number, for lookups by number; null once redacted. */
  phoneHash: string | null;
  phoneMasked: string;
  /** Keyed hashes of the number without its last 2, 3 and 4 digits (event data); empty once redacted. */
  prefixHashes: string[];
  countryCode: string;
  channel: PhoneChannel;
  status: VerificationStatus;
  locale: string | null;
  /** The account's name in the message (Verify's CustomFriendlyName). */
  friendlyName: string | null;
  /** Twilio's verification SID (VE…); null while no code was ever sent (BLOCKED, CHALLENGED at birth). */
  providerSid: string | null;
  checkAttempts: number;
  sendAttempts: number;
  riskAssessmentId: string | null;
  /** The fraud service did not answer and FRAUD_FAIL_MODE=open let the code go out unassessed. */
  riskAssessmentSkipped: boolean;
  /** Why it is BLOCKED, CHALLENGED or failed (rule names, provider refusal), comma-separated. */
  statusReason: string | null;
  /** The proof of work to solve while CHALLENGED; null otherwise, and once used. */
  challenge: Challenge | null;
  createdAt: Date;
  expiresAt: Date;
  /** When its last send was decided: sent, challenged or refused. */
  lastAttemptAt: Date;
  approvedAt: Date | null;
  redactedAt: Date | null;
  /** Held by the one request talking to Twilio about this verification (see the store's claim). */
  claimToken: string | null;
  claimedUntil: Date | null;
}

export const PhoneVerificationEntity = new EntitySchema<PhoneVerificationRecord>({
  name: 'PhoneVerification',
  tableName: 'phone_verifications',
  columns: {
    id: { type: 'uuid', primary: true },
    accountId: { type: 'text', name: 'account_id' },
    inquiryId: { type: 'text', name: 'inquiry_id' },
    phoneSealed: { type: 'text', name: 'phone_sealed', nullable: true },
    phoneHash: { type: 'text', name: 'phone_hash', nullable: true },
    phoneMasked: { type: 'text', name: 'phone_masked' },
    prefixHashes: { type: 'jsonb', name: 'prefix_hashes' },
    countryCode: { type: 'text', name: 'country_code' },
    channel: { type: 'text' },
    status: { type: 'text' },
    locale: { type: 'text', nullable: true },
    friendlyName: { type: 'text', name: 'friendly_name', nullable: true },
    providerSid: { type: 'text', name: 'provider_sid', nullable: true },
    checkAttempts: { type: 'int', name: 'check_attempts' },
    sendAttempts: { type: 'int', name: 'send_attempts' },
    riskAssessmentId: { type: 'text', name: 'risk_assessment_id', nullable: true },
    riskAssessmentSkipped: { type: 'boolean', name: 'risk_assessment_skipped' },
    statusReason: { type: 'text', name: 'status_reason', nullable: true },
    challenge: { type: 'jsonb', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    expiresAt: { type: 'timestamptz', name: 'expires_at' },
    lastAttemptAt: { type: 'timestamptz', name: 'last_attempt_at' },
    approvedAt: { type: 'timestamptz', name: 'approved_at', nullable: true },
    redactedAt: { type: 'timestamptz', name: 'redacted_at', nullable: true },
    claimToken: { type: 'uuid', name: 'claim_token', nullable: true },
    claimedUntil: { type: 'timestamptz', name: 'claimed_until', nullable: true },
  },
});

/** What became of one request to Twilio to send a code. */
export const sendOutcomes = ['SENT', 'RATE_LIMITED', 'BLOCKED', 'REJECTED', 'FAILED'] as const;
export type SendOutcome = (typeof sendOutcomes)[number];

/** One row per send (the first and every resend), table `send_attempts`. */
export interface SendAttemptRecord {
  id: string;
  accountId: string;
  verificationId: string;
  channel: PhoneChannel;
  outcome: SendOutcome;
  createdAt: Date;
}

export const SendAttemptEntity = new EntitySchema<SendAttemptRecord>({
  name: 'SendAttempt',
  tableName: 'send_attempts',
  columns: {
    id: { type: 'uuid', primary: true },
    accountId: { type: 'text', name: 'account_id' },
    verificationId: { type: 'uuid', name: 'verification_id' },
    channel: { type: 'text' },
    outcome: { type: 'text' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
  },
});
