import { z } from 'zod';
import { phoneChannels } from './phone.js';

/**
 * The event catalog: every event type any service publishes, with the schema of its `data`.
 * Subjects are `<type>.<subjectId>` (see subjects.ts), so a subscriber can follow one entity.
 * PII never travels in clear: fields ending in `Sealed` hold AES-256-GCM ciphertext (platform `pii`).
 */
export const inquiryStatuses = [
  'CREATED',
  'PENDING',
  'COMPLETED',
  'FAILED',
  'EXPIRED',
  'NEEDS_REVIEW',
  'APPROVED',
  'DECLINED',
] as const;
export type InquiryStatus = (typeof inquiryStatuses)[number];

export const verificationSteps = ['PHONE_OTP', 'DATABASE_NAME_MATCH'] as const;
export type VerificationStep = (typeof verificationSteps)[number];

export const nameMatchResults = [
  'EXACT_MATCH',
  'HIGH_PARTIAL_MATCH',
  'PARTIAL_MATCH',
  'NO_MATCH',
  /** The source holds no name for the number (no CNAM data, a business line): nothing to compare. */
  'NO_DATA_AVAILABLE',
] as const;
export type NameMatchResult = (typeof nameMatchResults)[number];

/** What a template decides when the carrier holds no name for the verified number. */
export const noNameDataDecisions = ['APPROVE', 'REVIEW', 'DECLINE'] as const;
export type NoNameDataDecision = (typeof noNameDataDecisions)[number];

const status = z.enum(inquiryStatuses);

const inquiryTransition = z.object({
  fromStatus: status,
  toStatus: status,
  reason: z.string().nullable(),
  comment: z.string().nullable().optional(),
});

/**
 * What every phone verification event carries: enough for the fraud engine's conversion counters
 * (country, channel, messages sent so far, the number's prefixes as keyed hashes) and never the number.
 */
const phoneVerificationBase = z.object({
  inquiryId: z.string(),
  countryCode: z.string(),
  channel: z.enum(phoneChannels),
  /** Messages (or calls) sent for this verification so far, resends included. */
  sendCount: z.number().int().min(0).default(1),
  /**
   * Keyed hashes (`pii.hash`) of the number without its last 2, 3 and 4 digits, in that order: the
   * prefixes the fraud engine's breakers count by. Empty when unknown.
   */
  prefixHashes: z.array(z.string()).max(8).default([]),
});

export const eventCatalog = {
  'inquiry.created': z.object({
    templateId: z.string(),
    referenceId: z.string().nullable(),
    steps: z.array(z.enum(verificationSteps)),
    status: status,
  }),
  'inquiry.started': inquiryTransition,
  'inquiry.completed': inquiryTransition,
  'inquiry.failed': inquiryTransition,
  'inquiry.expired': inquiryTransition,
  'inquiry.approved': inquiryTransition,
  'inquiry.declined': inquiryTransition,
  'inquiry.marked-for-review': inquiryTransition,
  'inquiry.redacted': z.object({ redactedAt: z.string() }),
  'inquiry.api-key.revoked': z.object({ keyId: z.string() }),

  'phone.verification.started': phoneVerificationBase,
  /** Another code was sent for a pending verification (same or another channel). */
  'phone.verification.resent': phoneVerificationBase,
  'phone.verification.approved': phoneVerificationBase.extend({ phoneNumberSealed: z.string() }),
  'phone.verification.failed': phoneVerificationBase.extend({
    status: z.enum(['BLOCKED', 'MAX_ATTEMPTS_REACHED', 'FAILED']),
    reason: z.string(),
  }),
  'phone.verification.expired': phoneVerificationBase,
  'phone.verification.canceled': phoneVerificationBase,

  'fraud.assessment.blocked': z.object({
    inquiryId: z.string(),
    countryCode: z.string().nullable(),
    reasons: z.array(z.string()),
  }),
  'fraud.breaker.opened': z.object({ scope: z.string(), conversionRate: z.number().nullable() }),
  'fraud.breaker.closed': z.object({ scope: z.string() }),

  'identity.database-verification.completed': z.object({
    inquiryId: z.string(),
    status: z.enum(['COMPLETED', 'FAILED']),
    nameMatch: z.enum(nameMatchResults).nullable(),
    /** 0..1, null when nothing was compared. */
    score: z.number().min(0).max(1).nullable().default(null),
    /** Why: the matcher's reasons, or why the step failed (no raw names). */
    reasons: z.array(z.string()).default([]),
  }),
} as const;

export type EventType = keyof typeof eventCatalog;
export type EventData<T extends EventType> = z.infer<(typeof eventCatalog)[T]>;
/** What a publisher writes: fields with a default may be left out. */
export type EventInput<T extends EventType> = z.input<(typeof eventCatalog)[T]>;
export const eventTypes = Object.keys(eventCatalog) as EventType[];

/** Every inquiry status change has exactly one event type. */
export const inquiryTransitionEvent = {
  PENDING: 'inquiry.started',
  COMPLETED: 'inquiry.completed',
  FAILED: 'inquiry.failed',
  EXPIRED: 'inquiry.expired',
  APPROVED: 'inquiry.approved',
  DECLINED: 'inquiry.declined',
  NEEDS_REVIEW: 'inquiry.marked-for-review',
} as const satisfies Record<Exclude<InquiryStatus, 'CREATED'>, EventType>;

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventCatalog, type);
}
