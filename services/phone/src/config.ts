import { z } from 'zod';
import { platformConfigShape, portVariable, twilioConfigShape } from '@attestor/platform';

const positiveInt = z.coerce.number().int().positive();

export const phoneConfigShape = {
  ...platformConfigShape,
  ...twilioConfigShape,
  PORT: portVariable.default(4002),
  /** When the fraud service does not answer: `closed` refuses to send, `open` sends unassessed. */
  FRAUD_FAIL_MODE: z.enum(['closed', 'open']).default('closed'),
  /** How long a sent code is good for: Twilio Verify's own validity (10 minutes by default). */
  VERIFICATION_TTL_SECONDS: positiveInt.max(86_400).default(600),
  /** How often pending verifications past their deadline are marked EXPIRED. */
  EXPIRY_SWEEP_MS: positiveInt.max(3_600_000).default(30_000),
} satisfies z.ZodRawShape;

export type PhoneConfig = z.infer<z.ZodObject<typeof phoneConfigShape>>;
