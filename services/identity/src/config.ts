import type { z } from 'zod';
import { platformConfigShape, portVariable, twilioConfigShape } from '@attestor/platform';

/** Platform + Twilio (Lookup caller_name / identity_match) + the identity service's port and schema. */
export const identityConfigShape = {
  ...platformConfigShape,
  ...twilioConfigShape,
  PORT: portVariable.default(4004),
} satisfies z.ZodRawShape;

export type IdentityConfig = z.infer<z.ZodObject<typeof identityConfigShape>>;
