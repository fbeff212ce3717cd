import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Fixed development credentials: the emulator's defaults and what a service uses when it runs against it. */
export const DEV_CREDENTIALS = {
  accountSid: 'AC00000000000000000000000000000000',
  authToken: '0123456789abcdef0123456789abcdef',
  verifyServiceSid: 'VA0123456789abcdef0123456789abcdef',
} as const;

export const BUNDLED_FIXTURES = fileURLToPath(new URL('../fixtures/numbers.json', import.meta.url));

export interface EmulatorConfig {
  port: number;
  host: string;
  accountSid: string;
  authToken: string;
  apiKey?: { sid: string; secret: string };
  verifyServiceSid: string;
  fixturesPath: string;
  /** Messages the outbox keeps (the oldest is dropped first). */
  outboxCapacity: number;
  /** Where the state is kept across restarts; unset: in memory only. */
  statePath?: string;
}

const envSchema = z.object({
  EMULATOR_PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int({ error: 'must be a port number' })
    .min(0, { error: 'must be between 0 and 65535' })
    .max(65_535, { error: 'must be between 0 and 65535' })
    .default(4010),
  EMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits')
    .default(DEV_CREDENTIALS.accountSid),
  TWILIO_AUTH_TOKEN: z.string().min(8, 'must be at least 8 characters').default(DEV_CREDENTIALS.authToken),
  TWILIO_API_KEY: z
    .string()
    .regex(/^SK[0-9a-fA-F]{32}$/, 'must be SK followed by 32 hex digits')
    .optional(),
  TWILIO_API_SECRET: z.string().min(8, 'must be at least 8 characters').optional(),
  TWILIO_VERIFY_SERVICE_SID: z
    .string()
    .regex(/^VA[0-9a-fA-F]{32}$/, 'must be VA followed by 32 hex digits')
    .default(DEV_CREDENTIALS.verifyServiceSid),
  EMULATOR_FIXTURES: z.string().min(1).default(BUNDLED_FIXTURES),
  EMULATOR_OUTBOX_CAPACITY: z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be between 1 and 1000000' })
    .max(1_000_000, { error: 'must be between 1 and 1000000' })
    .default(1000),
  EMULATOR_STATE_PATH: z.string().min(1).optional(),
});

/** The variables the emulator reads (docker-compose.yml is checked against them). */
export const emulatorConfigShape = envSchema.shape;

/** A configuration problem, worded as the one line to print before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once, at start; a failure names the variable (never its value: one is a secret). */
export function loadConfig(env: Record<string, string | undefined>): EmulatorConfig {
  const set = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = envSchema.safeParse(set);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(`Invalid ${variable}: ${issue?.message ?? 'invalid value'}`);
  }
  const parsed = result.data;
  return {
    port: parsed.EMULATOR_PORT,
    host: parsed.EMULATOR_HOST,
    accountSid: parsed.TWILIO_ACCOUNT_SID,
    authToken: parsed.TWILIO_AUTH_TOKEN,
    ...(parsed.TWILIO_API_KEY !== undefined && parsed.TWILIO_API_SECRET !== undefined
      ? { apiKey: { sid: parsed.TWILIO_API_KEY, secret: parsed.TWILIO_API_SECRET } }
      : {}),
    verifyServiceSid: parsed.TWILIO_VERIFY_SERVICE_SID,
    fixturesPath: parsed.EMULATOR_FIXTURES,
    outboxCapacity: parsed.EMULATOR_OUTBOX_CAPACITY,
    ...(parsed.EMULATOR_STATE_PATH !== undefined && { statePath: parsed.EMULATOR_STATE_PATH }),
  };
}
