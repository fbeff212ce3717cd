import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import {
  AppError,
  createFormatError,
  contextFromHeaders,
  createLogger,
  ErrorCode,
  inSpan,
  SpanKind,
  startTracing,
  stopTracing,
  executeGraphQL,
  graphqlMetricsPlugin,
  NatsBus,
  readBody,
  RpcTimeoutError,
  sendGraphQLError,
  sendJson,
  startMetricsEndpoint,
  ServiceMetrics,
  startHttpServer,
  withRequestId,
  type Caller,
} from '@attestor/platform';
import { Authenticator, revocationPlugin } from './auth.js';
import { requestLimits, withLimitReason } from './limits.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { memoryRateLimit, sharedRateLimit } from './rate-limit.js';
import { SignedDataSource, subgraphTransport } from './subgraph-client.js';
import { attachSubscriptions } from './subscriptions.js';
import { supergraphFromFile } from './supergraph.js';
import { supergraphPath, type SubgraphName } from './subgraphs.js';
import { defaultWebRoot, webApp } from './web.js';

export interface RunningGateway {
  url: string;
  port: number;
  /** The port of its own `/metrics` is on, when METRICS_PORT is set. */
  metricsPort?: number;
  /** Client subscriptions currently holding a NATS subscription. */
  activeSubscriptions(): number;
  stop(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

function rateLimitKey(caller: Caller): string {
  switch (caller.kind) {
    case 'partner':
      return `key:${caller.keyId}`;
    case 'session':
      return `session:${caller.inquiryId}`;
    default:
      return caller.kind;
  }
}

/**
 * The gateway: authenticates every operation, rate-limits per API key, plans it over the four
 * subgraphs with `@apollo/gateway` (signed requests over keep-alive connections) and serves
 * `inquiryUpdated` subscriptions over graphql-ws on the same port and path. Every other path is the
 * web app (web.ts): the hosted verification flow and the operator dashboard.
 */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  startTracing('gateway', config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const bus = await NatsBus.connect({
    url: config.NATS_URL,
    namespace: config.NATS_NAMESPACE,
    name: 'gateway',
    logger,
  });
  const authenticator = new Authenticator(
    bus,
    {
      adminToken: config.ADMIN_TOKEN,
      contextSecret: config.CONTEXT_SECRET,
      keyCacheTtlMs: config.KEY_CACHE_TTL_MS,
      rpcTimeoutMs: config.RPC_TIMEOUT_MS,
    },
    logger,
  );
  authenticator.start();
  const limiter =
    config.RATE_LIMIT_DATABASE_URL === undefined
      ? memoryRateLimit(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST)
      : await sharedRateLimit({
          url: config.RATE_LIMIT_DATABASE_URL,
          schema: config.RATE_LIMIT_DB_SCHEMA,
          poolSize: config.RATE_LIMIT_POOL_SIZE,
          timeoutMs: config.RATE_LIMIT_TIMEOUT_MS,
          ratePerSecond: config.RATE_LIMIT_PER_SECOND,
          burst: config.RATE_LIMIT_BURST,
          logger,
        });
  const metrics = new ServiceMetrics('gateway');
  const rateLimited = metrics.counter('attestor_rate_limited_total', 'Requests refused RATE_LIMITED', []);
  bus.rpcObserver = {
    observe: (subject, outcome, seconds) => metrics.rpcDuration.observe({ subject, outcome }, seconds),
  };
  const subgraphUrls: Record<SubgraphName, string> = {
    inquiry: config.INQUIRY_URL,
    phone: config.PHONE_URL,
    fraud: config.FRAUD_URL,
    identity: config.IDENTITY_URL,
  };
  const subgraphOf = new Map(Object.entries(subgraphUrls).map(([name, url]) => [url, name]));
  const subgraphFetches = metrics.counter(
    'attestor_subgraph_fetches_total',
    'Subgraph fetches by subgraph; shared="true": joined an identical one in flight (GATEWAY_DEDUP)',
    ['subgraph', 'shared'],
  );
  const transport = subgraphTransport({
    secret: config.CONTEXT_SECRET,
    maxSockets: config.SUBGRAPH_CONNECTIONS,
    share: config.GATEWAY_DEDUP,
    observe: (url, shared) =>
      subgraphFetches.inc({ subgraph: subgraphOf.get(url) ?? 'other', shared: String(shared) }),
  });
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(config.SUPERGRAPH_PATH ?? supergraphPath, logger),
    buildService: ({ name, url }) =>
      new SignedDataSource(subgraphUrls[name as SubgraphName] ?? url, transport, name),
    logger,
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });
  const production = config.NODE_ENV === 'production';
  const limits = requestLimits({
    maxDepth: config.QUERY_MAX_DEPTH,
    maxAliases: config.QUERY_MAX_ALIASES,
    maxTokens: config.QUERY_MAX_TOKENS,
    maxDirectives: config.QUERY_MAX_DIRECTIVES,
    maxCost: config.QUERY_MAX_COST,
    fieldSuggestions: !production,
    charge: (caller, tokens) => limiter.take(rateLimitKey(caller), tokens),
  });
  const platformFormatError = createFormatError(logger);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: (formatted, error) => withLimitReason(platformFormatError(formatted, error)),
    includeStacktraceInErrorResponses: false,
    // The gateway's stop() stops Apollo in order; Apollo's own handler would re-raise the signal and kill the process mid-shutdown.
    stopOnTerminationSignals: false,
    introspection: config.INTROSPECTION ?? !production,
    allowBatchedHttpRequests: false,
    validationRules: limits.validationRules,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ...limits.plugins,
      revocationPlugin(authenticator),
      graphqlMetricsPlugin<GatewayContext>(metrics),
    ],
  });
  await apollo.start();

  const clientIp = (req: IncomingMessage): string | null => {
    if (config.TRUST_PROXY) {
      const forwarded = req.headers['x-forwarded-for'];
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
      if (first) return first;
    }
    return req.socket.remoteAddress ?? null;
  };
  const admit = (caller: Caller) => limiter.take(rateLimitKey(caller));

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse, requestId: string) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, corsHeaders(req)).end();
      return;
    }
    for (const [name, value] of Object.entries(corsHeaders(req))) res.setHeader(name, value);
    let caller: Caller;
    try {
      caller = await authenticator.authenticate(req.headers.authorization, requestId);
    } catch (error) {
      if (error instanceof AppError) return sendGraphQLError(res, 401, error.code, error.message);
      if (error instanceof RpcTimeoutError) {
        return sendGraphQLError(res, 503, ErrorCode.INTERNAL, 'Authentication is unavailable, try again');
      }
      throw error;
    }
    const admitted = await admit(caller);
    if (!admitted.allowed) {
      rateLimited.inc();
      res.setHeader('retry-after', String(admitted.retryAfterSeconds));
      return sendGraphQLError(res, 429, ErrorCode.RATE_LIMITED, 'Too many requests for these credentials', {
        retryAfterSeconds: admitted.retryAfterSeconds,
      });
    }
    const body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
    const ip = clientIp(req);
    await withRequestId(requestId, () =>
      executeGraphQL(apollo, req, res, body, async () => ({ caller, requestId, ip, logger })),
    );
  };

  const metricsEndpoint = await startMetricsEndpoint({
    host: config.HOST,
    port: config.METRICS_PORT,
    metrics,
    logger,
  });
  const web = webApp(config.WEB_ROOT ?? defaultWebRoot);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') return sendJson(res, 200, { status: 'ok', service: 'gateway' });
    if (await metricsEndpoint.answer(path ?? '/', res)) return;
    if (path === '/ready') {
      const nats = await bus.reachable();
      const supergraph = apiSchema !== undefined;
      return sendJson(res, nats && supergraph ? 200 : 503, { supergraph, nats });
    }
    if (path !== '/graphql') return web(req, res);
    // One span for the whole request, authentication's rpc ask included, joining a caller's trace.
    return inSpan(
      'gateway request',
      {
        kind: SpanKind.SERVER,
        parent: contextFromHeaders(req.headers),
        attributes: { 'attestor.request_id': requestId },
      },
      () => handleGraphQL(req, res, requestId),
    );
  };
  const http = await startHttpServer({ host: config.HOST, port: config.PORT, logger, handle });
  const subscriptions = attachSubscriptions({
    server: http.server,
    path: '/graphql',
    apollo,
    schema: () => apiSchema,
    bus,
    logger,
    authenticate: (authorization, requestId) => authenticator.authenticate(authorization, requestId),
    admit,
    clientIp,
    limits: {
      maxTokens: config.QUERY_MAX_TOKENS,
      validationRules: limits.validationRules,
      fieldSuggestions: !production,
    },
    quota: {
      perSocket: config.SUBSCRIPTIONS_PER_SOCKET,
      perAccount: config.SUBSCRIPTIONS_PER_ACCOUNT,
      perSession: config.SUBSCRIPTIONS_PER_SESSION,
    },
    sockets: { perAccount: config.WEBSOCKETS_PER_ACCOUNT, perSession: config.WEBSOCKETS_PER_SESSION },
    ...(limiter.holdStore ? { holdStore: limiter.holdStore } : {}),
  });
  metrics.gauge(
    'attestor_subscriptions_active',
    'Client subscriptions holding a NATS subscription',
    [],
    (gauge) => gauge.set(subscriptions.active()),
  );
  metrics.gauge('attestor_websockets_open', 'WebSockets open on this gateway', [], (gauge) =>
    gauge.set(subscriptions.sockets()),
  );
  const port = http.port;
  const url = `http://${config.HOST}:${port}/graphql`;
  logger.info({ url }, 'gateway ready');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    ...(metricsEndpoint.port !== undefined ? { metricsPort: metricsEndpoint.port } : {}),
    activeSubscriptions: subscriptions.active,
    stop: () => {
      stopping ??= (async () => {
        logger.info('shutting down');
        await subscriptions.close();
        await http.close(config.SHUTDOWN_TIMEOUT_MS);
        await metricsEndpoint.close();
        await apollo.stop();
        authenticator.stop();
        await bus.close();
        await limiter.close();
        await stopTracing('gateway');
        logger.info('stopped');
        logger.flush();
      })();
      return stopping;
    },
  };
}

function corsHeaders(req: IncomingMessage): Record<string, string> {
  return {
    'access-control-allow-origin': req.headers.origin ?? '*',
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type, x-request-id, apollo-require-preflight',
    'access-control-expose-headers': 'x-request-id, retry-after',
    'access-control-max-age': '600',
    vary: 'origin',
  };
}
