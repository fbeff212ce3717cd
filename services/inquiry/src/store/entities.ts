import { EntitySchema } from 'typeorm';
import type {
  InquiryStatus,
  NameMatchResult,
  NoNameDataDecision,
  VerificationStep,
} from '@attestor/contracts';

/** Rows of the inquiry schema (tables created by migrations/; TypeORM only maps them). */

export interface Account {
  id: string;
  name: string;
  createdAt: Date;
}

export interface ApiKey {
  id: string;
  accountId: string;
  keyHash: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
}

export interface Template {
  id: string;
  accountId: string;
  name: string;
  steps: VerificationStep[];
  expiresInSeconds: number;
  autoApproveAt: NameMatchResult;
  whenNoNameData: NoNameDataDecision;
  identityMatch: boolean;
  /** Where the hosted flow's done page sends the end user back to the partner; null: no link. */
  redirectUrl: string | null;
  createdAt: Date;
}

/** Which step was done when (ISO timestamps). */
export type StepsDone = Partial<Record<VerificationStep, string>>;

export interface Inquiry {
  id: string;
  accountId: string;
  templateId: string;
  referenceId: string | null;
  status: InquiryStatus;
  stepsDone: StepsDone;
  /** The database check: COMPLETED with a name match, or FAILED (no record for the number). */
  identityStatus: 'COMPLETED' | 'FAILED' | null;
  nameMatch: NameMatchResult | null;
  nameFirstSealed: string | null;
  nameMiddleSealed: string | null;
  nameLastSealed: string | null;
  birthdateSealed: string | null;
  phoneNumberSealed: string | null;
  /** Keyed hash of the E.164 number, for lookups by number without decrypting. */
  phoneHash: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  decidedAt: Date | null;
  expiresAt: Date;
  redactedAt: Date | null;
  /** Until when a send admitted by the phone service holds the inquiry open (the sweeper waits). */
  sendHeldUntil: Date | null;
  updatedAt: Date;
}

export interface InquiryEventRow {
  id: string;
  inquiryId: string;
  accountId: string;
  type: string;
  fromStatus: InquiryStatus | null;
  toStatus: InquiryStatus | null;
  reason: string | null;
  comment: string | null;
  at: Date;
}

/** A partner's idempotency key for createInquiry: which inquiry it created and for which input. */
export interface IdempotencyKey {
  accountId: string;
  key: string;
  /** Keyed hash of the canonical input (it holds PII). */
  requestHash: string;
  inquiryId: string;
  createdAt: Date;
}

export interface Webhook {
  id: string;
  accountId: string;
  url: string;
  events: string[];
  secretSealed: string;
  createdAt: Date;
}

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  accountId: string;
  eventId: string;
  eventType: string;
  /** The JSON body sent to the endpoint, fixed when the delivery is created: the same bytes on every attempt. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  /** While an attempt is in flight: the sender's lease; after it, the delivery may be claimed again. */
  claimedUntil: Date | null;
  retryUntil: Date;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface WebhookAttempt {
  id: string;
  deliveryId: string;
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

const uuid = { type: 'uuid' } as const;
const text = { type: 'text' } as const;
const nullableText = { type: 'text', nullable: true } as const;
const timestamp = { type: 'timestamptz' } as const;
const nullableTimestamp = { type: 'timestamptz', nullable: true } as const;

export const AccountEntity = new EntitySchema<Account>({
  name: 'Account',
  tableName: 'accounts',
  columns: {
    id: { ...uuid, primary: true },
    name: text,
    createdAt: { ...timestamp, name: 'created_at' },
  },
});

export const ApiKeyEntity = new EntitySchema<ApiKey>({
  name: 'ApiKey',
  tableName: 'api_keys',
  columns: {
    id: { ...uuid, primary: true },
    accountId: { ...uuid, name: 'account_id' },
    keyHash: { ...text, name: 'key_hash' },
    prefix: text,
    scopes: { type: 'text', array: true },
    createdAt: { ...timestamp, name: 'created_at' },
    revokedAt: { ...nullableTimestamp, name: 'revoked_at' },
  },
});

export const TemplateEntity = new EntitySchema<Template>({
  name: 'Template',
  tableName: 'templates',
  columns: {
    id: { ...uuid, primary: true },
    accountId: { ...uuid, name: 'account_id' },
    name: text,
    steps: { type: 'text', array: true },
    expiresInSeconds: { type: 'int', name: 'expires_in_seconds' },
    autoApproveAt: { ...text, name: 'auto_approve_at' },
    whenNoNameData: { ...text, name: 'when_no_name_data' },
    identityMatch: { type: 'boolean', name: 'identity_match' },
    redirectUrl: { ...nullableText, name: 'redirect_url' },
    createdAt: { ...timestamp, name: 'created_at' },
  },
});

export const InquiryEntity = new EntitySchema<Inquiry>({
  name: 'Inquiry',
  tableName: 'inquiries',
  columns: {
    id: { ...uuid, primary: true },
    accountId: { ...uuid, name: 'account_id' },
    templateId: { ...uuid, name: 'template_id' },
    referenceId: { ...nullableText, name: 'reference_id' },
    status: text,
    stepsDone: { type: 'jsonb', name: 'steps_done' },
    identityStatus: { ...nullableText, name: 'identity_status' },
    nameMatch: { ...nullableText, name: 'name_match' },
    nameFirstSealed: { ...nullableText, name: 'name_first_sealed' },
    nameMiddleSealed: { ...nullableText, name: 'name_middle_sealed' },
    nameLastSealed: { ...nullableText, name: 'name_last_sealed' },
    birthdateSealed: { ...nullableText, name: 'birthdate_sealed' },
    phoneNumberSealed: { ...nullableText, name: 'phone_number_sealed' },
    phoneHash: { ...nullableText, name: 'phone_hash' },
    createdAt: { ...timestamp, name: 'created_at' },
    startedAt: { ...nullableTimestamp, name: 'started_at' },
    completedAt: { ...nullableTimestamp, name: 'completed_at' },
    decidedAt: { ...nullableTimestamp, name: 'decided_at' },
    expiresAt: { ...timestamp, name: 'expires_at' },
    redactedAt: { ...nullableTimestamp, name: 'redacted_at' },
    sendHeldUntil: { ...nullableTimestamp, name: 'send_held_until' },
    updatedAt: { ...timestamp, name: 'updated_at' },
  },
});

export const InquiryEventEntity = new EntitySchema<InquiryEventRow>({
  name: 'InquiryEvent',
  tableName: 'inquiry_events',
  columns: {
    id: { ...uuid, primary: true },
    inquiryId: { ...uuid, name: 'inquiry_id' },
    accountId: { ...uuid, name: 'account_id' },
    type: text,
    fromStatus: { ...nullableText, name: 'from_status' },
    toStatus: { ...nullableText, name: 'to_status' },
    reason: nullableText,
    comment: nullableText,
    at: timestamp,
  },
});

export const IdempotencyKeyEntity = new EntitySchema<IdempotencyKey>({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  columns: {
    accountId: { ...uuid, primary: true, name: 'account_id' },
    key: { ...text, primary: true },
    requestHash: { ...text, name: 'request_hash' },
    inquiryId: { ...uuid, name: 'inquiry_id' },
    createdAt: { ...timestamp, name: 'created_at' },
  },
});

export const WebhookEntity = new EntitySchema<Webhook>({
  name: 'Webhook',
  tableName: 'webhooks',
  columns: {
    id: { ...uuid, primary: true },
    accountId: { ...uuid, name: 'account_id' },
    url: text,
    events: { type: 'text', array: true },
    secretSealed: { ...text, name: 'secret_sealed' },
    createdAt: { ...timestamp, name: 'created_at' },
  },
});

export const WebhookDeliveryEntity = new EntitySchema<WebhookDelivery>({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  columns: {
    id: { ...uuid, primary: true },
    webhookId: { ...uuid, name: 'webhook_id' },
    accountId: { ...uuid, name: 'account_id' },
    eventId: { ...uuid, name: 'event_id' },
    eventType: { ...text, name: 'event_type' },
    payload: text,
    status: text,
    attempts: { type: 'int' },
    lastStatusCode: { type: 'int', nullable: true, name: 'last_status_code' },
    lastError: { ...nullableText, name: 'last_error' },
    nextAttemptAt: { ...nullableTimestamp, name: 'next_attempt_at' },
    claimedUntil: { ...nullableTimestamp, name: 'claimed_until' },
    retryUntil: { ...timestamp, name: 'retry_until' },
    createdAt: { ...timestamp, name: 'created_at' },
    deliveredAt: { ...nullableTimestamp, name: 'delivered_at' },
  },
});

export const WebhookAttemptEntity = new EntitySchema<WebhookAttempt>({
  name: 'WebhookAttempt',
  tableName: 'webhook_attempts',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    deliveryId: { ...uuid, name: 'delivery_id' },
    at: timestamp,
    statusCode: { type: 'int', nullable: true, name: 'status_code' },
    error: nullableText,
    durationMs: { type: 'int', name: 'duration_ms' },
  },
});

export const entities = [
  AccountEntity,
  ApiKeyEntity,
  TemplateEntity,
  InquiryEntity,
  InquiryEventEntity,
  IdempotencyKeyEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
];
