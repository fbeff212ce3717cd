import { z } from 'zod';
import { booleanFlag, platformConfigShape, portVariable, positiveInt } from '@attestor/platform';

const url = z.url();

/** The gateway's variables: the platform's (secrets, NATS, logging) plus where the subgraphs are. */
export const gatewayConfigShape = {
  ...platformConfigShape,
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
  /** How long a resolved API key is trusted without asking the inquiry service again. */
  KEY_CACHE_TTL_MS: positiveInt.max(600_000).default(30_000),
  /** Take the client address from X-Forwarded-For (only behind a proxy you run). */
  TRUST_PROXY: booleanFlag.default(false),
  /** Keep-alive sockets per subgraph. */
  SUBGRAPH_CONNECTIONS: positiveInt.max(1024).default(64),
  /** Request limits (docs/api-guide.md "Limits"). */
  QUERY_MAX_DEPTH: positiveInt.max(100).default(10),
  QUERY_MAX_ALIASES: positiveInt.max(1000).default(15),
  QUERY_MAX_TOKENS: positiveInt.max(100_000).default(2000),
  QUERY_MAX_DIRECTIVES: positiveInt.max(1000).default(20),
  QUERY_MAX_COST: positiveInt.max(10_000_000).default(10_000),
  /** The built web app served at `/` (default: web/dist of this repository). */
  WEB_ROOT: z.string().min(1).optional(),
  /** Schema introspection: on by default, except in production. */
  INTROSPECTION: booleanFlag.optional(),
} satisfies z.ZodRawShape;

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayConfigShape>>;
