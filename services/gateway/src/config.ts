import { z } from 'zod';
import { booleanFlag, portVariable, positiveInt, processConfigShape } from '@attestor/platform';

const url = z.url();

/**
 * The gateway's variables: a process's (the context secret, the admin token, NATS, logging; no database
 * and no PII key, which it never uses) plus where the subgraphs are and the request limits.
 */
export const gatewayConfigShape = {
  ...processConfigShape,
  PORT: portVariable.default(4000),
  INQUIRY_URL: url.default('http://127.0.0.1:4001/graphql'),
  PHONE_URL: url.default('http://127.0.0.1:4002/graphql'),
  FRAUD_URL: url.default('http://127.0.0.1:4003/graphql'),
  IDENTITY_URL: url.default('http://127.0.0.1:4004/graphql'),
  /** The composed supergraph; reloaded when the file changes. */
  SUPERGRAPH_PATH: z.string().min(1).optional(),
  /** Per API key token bucket: sustained requests per second, and the burst above it. */
  RATE_LIMIT_PER_SECOND: positiveInt.max(100_000).default(50),
  RATE_LIMIT_BURST: positiveInt.max(100_000).default(100),
  /** Where every gateway counts the limit together (PostgreSQL); unset: each instance on its own. */
  RATE_LIMIT_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// URL')
    .optional(),
  RATE_LIMIT_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _ (a Postgres schema name)')
    .default('gateway'),
  RATE_LIMIT_POOL_SIZE: positiveInt.max(100).default(10),
  /** Past this the shared store counts as down for the request and the instance's own limit decides. */
  RATE_LIMIT_TIMEOUT_MS: positiveInt.max(10_000).default(200),
  /** How long a resolved API key is trusted without asking the inquiry service again. */
  KEY_CACHE_TTL_MS: positiveInt.max(600_000).default(30_000),
  /** Take the client address from X-Forwarded-For (only behind a proxy you run). */
  TRUST_PROXY: booleanFlag.default(false),
  /** Keep-alive sockets per subgraph. */
  SUBGRAPH_CONNECTIONS: positiveInt.max(1024).default(64),
  /** Identical concurrent subgraph queries of one caller share one request (shared-fetches.ts). */
  GATEWAY_DEDUP: booleanFlag.default(true),
  /** Request limits (docs/api-guide.md "Limits"). */
  QUERY_MAX_DEPTH: positiveInt.max(100).default(10),
  QUERY_MAX_ALIASES: positiveInt.max(1000).default(15),
  QUERY_MAX_TOKENS: positiveInt.max(100_000).default(2000),
  QUERY_MAX_DIRECTIVES: positiveInt.max(1000).default(20),
  QUERY_MAX_COST: positiveInt.max(10_000_000).default(10_000),
  /** Open subscriptions per WebSocket, per account's API keys and per session token, on each gateway. */
  SUBSCRIPTIONS_PER_SOCKET: positiveInt.max(100_000).default(100),
  SUBSCRIPTIONS_PER_ACCOUNT: positiveInt.max(1_000_000).default(2000),
  SUBSCRIPTIONS_PER_SESSION: positiveInt.max(10_000).default(10),
  /** Open WebSockets per account's API keys and per session token, on each gateway. */
  WEBSOCKETS_PER_ACCOUNT: positiveInt.max(1_000_000).default(1000),
  WEBSOCKETS_PER_SESSION: positiveInt.max(10_000).default(10),
  /** The built web app served at `/` (default: web/dist of this repository). */
  WEB_ROOT: z.string().min(1).optional(),
  /** Schema introspection: on by default, except in production. */
  INTROSPECTION: booleanFlag.optional(),
} satisfies z.ZodRawShape;

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayConfigShape>>;
