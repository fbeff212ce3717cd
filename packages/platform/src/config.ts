import { z } from 'zod';

/**
 * Configuration is read from the environment once, at start, into a typed object; nothing else reads
 * `process.env`. A bad or missing variable stops the process with one line that names it.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`config: ${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(0).max(65535);

/** A whole number above zero from the environment (bound it with `.max()` where a bound makes sense). */
export const positiveInt = z.coerce.number().int().positive();

/** `true`/`false` (also 1/0, yes/no) from the environment; a plain `z.coerce.boolean` reads "false" as true. */
export const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** Secrets with a development default: public (it is in the source), so only tests may run with it. */
const devSecretNames = new Set<string>();
const devSecretDefaults = new Map<string, string>();

function secret(name: string, devDefault: string, minLength: number) {
  devSecretNames.add(name);
  devSecretDefaults.set(name, devDefault);
  return z.string().min(minLength, `must be at least ${minLength} characters`).default(devDefault);
}

/**
 * A process outside tests refuses the public development secrets, set or defaulted: with the default
 * CONTEXT_SECRET anyone could mint a session token for any inquiry. `npm start` generates real ones.
 */
export function refusePublicSecrets(config: Record<string, unknown>): void {
  if (config['NODE_ENV'] === 'test') return;
  for (const [name, publicValue] of devSecretDefaults) {
    if (config[name] === publicValue) {
      throw new ConfigError(
        name,
        'is the public development default: set your own (npm start generates them in .data/secrets.json; npm run secrets writes an .env for docker compose)',
      );
    }
  }
}

/** 32 random bytes, base64: the AES-256-GCM key for PII at rest and the key of its lookup hashes. */
const DEV_PII_KEY = Buffer.alloc(32, 7).toString('base64');

/**
 * Variables every process reads, the gateway included: logging, the address it binds, NATS, the
 * signed context and the admin token, rpc and shutdown timeouts, tracing.
 */
export const processConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Serve `/metrics` only on this port of its own (not on PORT): for a port the public reaches. */
  METRICS_PORT: port.optional(),
  NATS_URL: z
    .string()
    .regex(/^(nats|tls|ws|wss):\/\/.+/, 'must be a nats:// URL')
    .default('nats://127.0.0.1:4222'),
  NATS_NAMESPACE: z
    .string()
    .regex(/^([a-zA-Z0-9_-]+\.?)?$/, 'letters, digits, _ and - only')
    .default(''),
  CONTEXT_SECRET: secret('CONTEXT_SECRET', 'dev-only-context-secret-0123456789abcdef', 32),
  CONTEXT_MAX_AGE_SECONDS: positiveInt.max(3600).default(60),
  ADMIN_TOKEN: secret('ADMIN_TOKEN', 'dev-admin-token-change-me', 16),
  RPC_TIMEOUT_MS: positiveInt.max(60_000).default(2000),
  SHUTDOWN_TIMEOUT_MS: positiveInt.max(120_000).default(10_000),
  /** Where OpenTelemetry traces go (OTLP over HTTP, e.g. http://collector:4318); unset: no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /**
   * Simulations only (bench:fraud --mode e2e): a file holding the milliseconds the service's clock runs
   * ahead of the system's, shared by every launched process (offsetFileClock). Refused in production.
   */
  CLOCK_OFFSET_FILE: z.string().min(1).optional(),
} satisfies z.ZodRawShape;

/**
 * Variables every subgraph service reads: the process's plus its database, the PII key and the event
 * machinery (outbox, retries, parking). Each service adds its own (its PORT at least). The gateway,
 * which has no database and never holds PII at rest, reads processConfigShape only.
 */
export const platformConfigShape = {
  ...processConfigShape,
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/attestor'),
  DB_POOL_SIZE: positiveInt.max(200).default(10),
  /** Repeated statements as prepared ones on each connection; false behind a pooler that cannot keep them. */
  DB_PREPARED_STATEMENTS: booleanFlag.default(true),
  /** The service's Postgres schema; defaults to the service's name. */
  DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _ (a Postgres schema name)')
    .optional(),
  PII_KEY: secret('PII_KEY', DEV_PII_KEY, 44).refine(
    (v) => Buffer.from(v, 'base64').length === 32,
    'must be 32 bytes, base64-encoded (openssl rand -base64 32)',
  ),
  /** Deliveries of a failing event before it is parked: with the backoff below, about an hour of retries. */
  EVENT_MAX_DELIVERIES: positiveInt.max(1000).default(20),
  EVENT_RETRY_BASE_MS: positiveInt.max(600_000).default(1000),
  /** The longest wait between two deliveries of a failing event (the doubling stops here). */
  EVENT_RETRY_MAX_MS: positiveInt.max(3_600_000).default(300_000),
  /** An event older than this is parked at its next failure, whatever its delivery count. */
  EVENT_RETRY_MAX_AGE_MINUTES: positiveInt.max(7 * 24 * 60).default(120),
  /**
   * Events each consumer handles at once. Events of one inquiry (or, without one, of one subject) are
   * always handled one after another, in stream order.
   */
  EVENT_CONCURRENCY: positiveInt.max(64).default(4),
  /** How often parked events are tried again on their own (each with its own growing backoff). */
  EVENT_REPLAY_PARKED_MS: positiveInt.max(86_400_000).default(300_000),
  OUTBOX_POLL_MS: positiveInt.max(60_000).default(500),
  /** Servers of a NATS cluster that keep the event stream (3 on a 3-node cluster); 1 on one server. */
  NATS_STREAM_REPLICAS: positiveInt.max(5).default(1),
} satisfies z.ZodRawShape;

export const portVariable = port;

export type ProcessConfig = z.infer<z.ZodObject<typeof processConfigShape>>;
export type PlatformConfig = z.infer<z.ZodObject<typeof platformConfigShape>>;

/**
 * A rule across variables, run after each variable parsed: throws ConfigError naming the variable to
 * fix. `given` holds the variables the environment set (not defaulted).
 */
export type ConfigCheck<T> = (config: T, given: ReadonlySet<string>) => void;

/** Parses `env` against `shape`; throws ConfigError naming the first bad variable. */
export function parseConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined>,
  checks: ReadonlyArray<ConfigCheck<z.infer<z.ZodObject<S>>>> = [],
): z.infer<z.ZodObject<S>> {
  // An empty variable means "not set": `FOO=` in a shell or compose file should take the default.
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(variable, issue?.message ?? 'invalid');
  }
  if ((result.data as Record<string, unknown>)['NODE_ENV'] === 'production') {
    if (input['CLOCK_OFFSET_FILE'] !== undefined && 'CLOCK_OFFSET_FILE' in shape) {
      throw new ConfigError('CLOCK_OFFSET_FILE', 'is for simulations only and must not be set in production');
    }
    for (const name of Object.keys(shape)) {
      if (devSecretNames.has(name) && input[name] === undefined) {
        throw new ConfigError(name, 'must be set in production (the development default is public)');
      }
    }
  }
  const given = new Set(Object.keys(input));
  for (const check of checks) check(result.data, given);
  return result.data;
}

/** parseConfig for a process entry point: a bad variable prints one line and exits with status 1. */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
  checks: ReadonlyArray<ConfigCheck<z.infer<z.ZodObject<S>>>> = [],
): z.infer<z.ZodObject<S>> {
  try {
    const config = parseConfig(shape, env, checks);
    refusePublicSecrets(config as Record<string, unknown>);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Twilio, for the services that call it (phone, fraud, identity). With TWILIO_EMULATOR_URL set the SDK
 * is pointed at the emulator; the defaults are the emulator's development credentials, so a local run
 * needs no variable at all. Against real Twilio: the account SID, the Verify service SID, and either an
 * API key and its secret (what Twilio recommends) or the account's auth token; leave the URL unset.
 */
export const twilioConfigShape = {
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be an account SID (AC…); an API key SID (SK…) goes in TWILIO_API_KEY')
    .default('AC00000000000000000000000000000000'),
  TWILIO_AUTH_TOKEN: z
    .string()
    .min(8, 'must be at least 8 characters')
    .default('0123456789abcdef0123456789abcdef'),
  /** An API key SID (SK…); with TWILIO_API_SECRET it replaces the auth token. */
  TWILIO_API_KEY: z
    .string()
    .regex(/^SK[0-9a-fA-F]{32}$/, 'must be an API key SID (SK…)')
    .optional(),
  TWILIO_API_SECRET: z.string().min(8, 'must be at least 8 characters').optional(),
  TWILIO_VERIFY_SERVICE_SID: z
    .string()
    .regex(/^VA[0-9a-fA-F]{32}$/, 'must be a Verify service SID (VA…)')
    .default('VA0123456789abcdef0123456789abcdef'),
  TWILIO_EMULATOR_URL: z.url().optional(),
  TWILIO_TIMEOUT_MS: positiveInt.max(60_000).default(5000),
} satisfies z.ZodRawShape;
export type TwilioConfig = z.infer<z.ZodObject<typeof twilioConfigShape>>;

/** Production without the emulator: the credentials' defaults (the emulator's, public) are refused. */
function againstRealTwilio(config: { NODE_ENV?: string; TWILIO_EMULATOR_URL?: string }): boolean {
  return config.NODE_ENV === 'production' && config.TWILIO_EMULATOR_URL === undefined;
}

/**
 * The Twilio variables that only make sense together: an API key needs its secret; against real
 * Twilio in production the account and a credential must be set (the defaults are the emulator's,
 * public). Every service calling Twilio runs it; the phone service adds verifyServiceCheck.
 */
export const twilioCredentialsCheck: ConfigCheck<TwilioConfig & { NODE_ENV?: string }> = (config, given) => {
  if (config.TWILIO_API_KEY !== undefined && config.TWILIO_API_SECRET === undefined) {
    throw new ConfigError('TWILIO_API_SECRET', 'must be set with TWILIO_API_KEY');
  }
  if (config.TWILIO_API_SECRET !== undefined && config.TWILIO_API_KEY === undefined) {
    throw new ConfigError('TWILIO_API_KEY', 'must be set with TWILIO_API_SECRET');
  }
  if (!againstRealTwilio(config)) return;
  if (!given.has('TWILIO_ACCOUNT_SID'))
    throw new ConfigError('TWILIO_ACCOUNT_SID', "must be set in production (the default is the emulator's)");
  if (!given.has('TWILIO_AUTH_TOKEN') && config.TWILIO_API_KEY === undefined) {
    throw new ConfigError(
      'TWILIO_AUTH_TOKEN',
      "must be set in production, or TWILIO_API_KEY and TWILIO_API_SECRET (the default is the emulator's)",
    );
  }
};

/** The phone service sends through a Verify service: against real Twilio its SID must be set. */
export const verifyServiceCheck: ConfigCheck<TwilioConfig & { NODE_ENV?: string }> = (config, given) => {
  if (againstRealTwilio(config) && !given.has('TWILIO_VERIFY_SERVICE_SID')) {
    throw new ConfigError(
      'TWILIO_VERIFY_SERVICE_SID',
      "must be set in production (the default is the emulator's)",
    );
  }
};
