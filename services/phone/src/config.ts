import { z } from 'zod';
import { platformConfigShape, portVariable, positiveInt, twilioConfigShape } from '@attestor/platform';

export const phoneConfigShape = {
  ...platformConfigShape,
  ...twilioConfigShape,
  PORT: portVariable.default(4002),
  /** When the fraud service does not answer: `closed` refuses to send, `open` sends unassessed. */
  FRAUD_FAIL_MODE: z.enum(['closed', 'open']).default('closed'),
  /** How long a sent code is good for: Twilio Verify's own validity (10 minutes by default). */
  VERIFICATION_TTL_SECONDS: positiveInt.max(86_400).default(600),
  /** How often active verifications past their deadline are marked EXPIRED. */
  EXPIRY_SWEEP_MS: positiveInt.max(3_600_000).default(30_000),
  /**
   * A start repeating the last one (same number and channel, no challenge solution) within this
   * many seconds answers it as it is instead of sending again: a double submit. 0 turns it off.
   */
  START_REPEAT_WINDOW_SECONDS: z.coerce.number().int().min(0).max(600).default(10),
  /** Tries of one Twilio call that failed with a retryable outcome (429, 5xx, timeout), the first included. */
  TWILIO_MAX_ATTEMPTS: positiveInt.max(10).default(3),
  /** First wait between tries; doubles per try (with jitter), at most 2 s. */
  TWILIO_RETRY_BASE_MS: positiveInt.max(10_000).default(100),
  /** ALTCHA difficulty: the challenge's number lies in [0, this]; a browser solves 100 000 in well under a second. */
  CHALLENGE_MAX_NUMBER: positiveInt.max(10_000_000).default(100_000),
  /** How long a proof-of-work challenge may be solved. */
  CHALLENGE_TTL_SECONDS: positiveInt.max(3600).default(300),
} satisfies z.ZodRawShape;

export type PhoneConfig = z.infer<z.ZodObject<typeof phoneConfigShape>>;
