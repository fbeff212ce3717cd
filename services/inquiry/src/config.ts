import type { z } from 'zod';
import { booleanFlag, platformConfigShape, portVariable, positiveInt } from '@attestor/platform';

/**
 * The inquiry service's variables. WEBHOOK_ALLOW_PRIVATE has no static default: it follows NODE_ENV
 * (allowed in development and test, refused in production) unless set explicitly — see `resolveInquiryConfig`.
 */
export const inquiryConfigShape = {
  ...platformConfigShape,
  PORT: portVariable.default(4001),
  /** How often the sweeper looks for inquiries past their expiry. */
  EXPIRY_SWEEP_MS: positiveInt.max(3_600_000).default(5000),
  EXPIRY_SWEEP_BATCH: positiveInt.max(10_000).default(100),
  /** How long an idempotency key replays its first result. */
  IDEMPOTENCY_TTL_HOURS: positiveInt.max(24 * 30).default(24),
  /** Webhook URLs on loopback/private/link-local hosts: off in production, on by default in dev and test. */
  WEBHOOK_ALLOW_PRIVATE: booleanFlag.optional(),
  WEBHOOK_TIMEOUT_MS: positiveInt.max(120_000).default(10_000),
  /** Deliveries in flight at once, over every webhook (per instance). */
  WEBHOOK_CONCURRENCY: positiveInt.max(1000).default(16),
  /** Deliveries in flight at once to one webhook, so a slow endpoint takes at most this many slots. */
  WEBHOOK_CONCURRENCY_PER_ENDPOINT: positiveInt.max(100).default(2),
  /** A delivery is retried until this many hours after it was created, then marked FAILED. */
  WEBHOOK_RETRY_HOURS: positiveInt
    .min(24, 'must be at least 24 (partners rely on a day of retries)')
    .max(24 * 7)
    .default(25),
  /** How often the sender looks for due deliveries when nothing woke it. */
  WEBHOOK_POLL_MS: positiveInt.max(60_000).default(1000),
  WEBHOOK_MAX_PER_ACCOUNT: positiveInt.max(1000).default(20),
} satisfies z.ZodRawShape;

type ParsedInquiryConfig = z.infer<z.ZodObject<typeof inquiryConfigShape>>;
export type InquiryConfig = Omit<ParsedInquiryConfig, 'WEBHOOK_ALLOW_PRIVATE'> & {
  WEBHOOK_ALLOW_PRIVATE: boolean;
};

/** Fills the defaults that depend on other variables (WEBHOOK_ALLOW_PRIVATE from NODE_ENV). */
export function resolveInquiryConfig(parsed: ParsedInquiryConfig): InquiryConfig {
  return {
    ...parsed,
    WEBHOOK_ALLOW_PRIVATE: parsed.WEBHOOK_ALLOW_PRIVATE ?? parsed.NODE_ENV !== 'production',
  };
}
