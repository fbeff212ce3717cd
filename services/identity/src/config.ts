import { z } from 'zod';
import { platformConfigShape, portVariable, twilioConfigShape } from '@attestor/platform';

/** Platform + Twilio (Lookup caller_name / identity_match) + the identity service's port and schema. */
export const identityConfigShape = {
  ...platformConfigShape,
  ...twilioConfigShape,
  PORT: portVariable.default(4004),
  DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _ only')
    .optional(),
} satisfies z.ZodRawShape;

export type IdentityConfig = z.infer<z.ZodObject<typeof identityConfigShape>>;
