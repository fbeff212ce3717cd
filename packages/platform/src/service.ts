import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode, GraphQLFieldResolver, GraphQLScalarType } from 'graphql';
import type { DataSource, EntitySchema, MigrationInterface } from 'typeorm';
import type { Logger } from 'pino';
import { ReplayGuard, verifyClaims, type Caller, type Claims } from './caller.js';
import type { PlatformConfig } from './config.js';
import { databaseReachable, openDatabase } from './db.js';
import { createFormatError, ErrorCode, type AppError } from './errors.js';
import { clockOf, type Clock } from './clock.js';
import { executeGraphQL, readBody, sendGraphQLError, sendJson } from './http/io.js';
import { startMetricsEndpoint } from './http/metrics-endpoint.js';
import { startHttpServer } from './http/server.js';
import { PeriodicWorker } from './periodic.js';
import { contextFromHeaders, inSpan, SpanKind, startTracing, stopTracing } from './tracing.js';
import { graphqlMetricsPlugin, ServiceMetrics } from './metrics.js';
import { createLogger } from './logger.js';
import { PiiCipher } from './pii.js';
import { withRequestId } from './request-scope.js';
import { DurableConsumer, type ConsumerSpec } from './bus/consumer.js';
import { NatsBus } from './bus/nats.js';
import { Outbox } from './bus/outbox.js';
import { OutboxRelay } from './bus/relay.js';

/** What every resolver sees: the verified caller and a logger carrying the request id. */
export interface RequestContext {
  caller: Caller;
  claims: Claims;
  requestId: string;
  logger: Logger;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- resolver parents/args are untyped SDL values; resolvers parse them
type AnyResolver<TContext> = GraphQLFieldResolver<any, TContext, any>;
export type Resolvers<TContext> = Record<
  string,
  | Record<
      string,
      AnyResolver<TContext> | { resolve?: AnyResolver<TContext>; subscribe?: AnyResolver<TContext> }
    >
  | GraphQLScalarType
>;

/** Something with a lifetime inside the service: an rpc responder, a sweeper, a webhook sender. */
export interface Worker {
  name: string;
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceDeps<C extends PlatformConfig> {
  name: string;
  config: C;
  logger: Logger;
  dataSource: DataSource;
  schema: string;
  bus: NatsBus;
  outbox: Outbox;
  pii: PiiCipher;
  /** The time flows and workers go by; tests start a service with a clock they move. */
  clock: Clock;
  /** Its Prometheus metrics (served at /metrics); flows add their own counters. */
  metrics: ServiceMetrics;
}

export interface ServiceParts<TContext> {
  typeDefs: DocumentNode;
  resolvers: Resolvers<TContext>;
  context(base: RequestContext): TContext | Promise<TContext>;
  consumers?: ConsumerSpec[];
  workers?: Worker[];
}

export interface ServiceDefinition<C extends PlatformConfig, TContext> {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's EntitySchema is generic over any row type
  entities: EntitySchema<any>[];
  migrations: Array<new () => MigrationInterface>;
  build(deps: ServiceDeps<C>): ServiceParts<TContext> | Promise<ServiceParts<TContext>>;
}

export type ServiceConfig = PlatformConfig & { PORT: number };

export interface RunningService<C extends ServiceConfig> {
  url: string;
  port: number;
  deps: ServiceDeps<C>;
  relay: OutboxRelay;
  consumers: DurableConsumer[];
  stop(): Promise<void>;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Starts a subgraph: its schema migrated, the event bus connected with the outbox relay and its durable
 * consumers, its workers, and an HTTP server with `/graphql` (signed gateway requests only), `/health`,
 * `/ready` and the operator's parked-event routes. `stop()` shuts down in the reverse order, draining
 * HTTP first and flushing the outbox last. When start fails halfway, what was opened is released.
 */
export interface StartOptions {
  /**
   * The time the service goes by (default: the config's — the system clock, or the simulation's
   * CLOCK_OFFSET_FILE); tests pass one they move.
   */
  clock?: Clock;
}

export async function startService<C extends ServiceConfig, TContext extends RequestContext>(
  definition: ServiceDefinition<C, TContext>,
  config: C,
  options: StartOptions = {},
): Promise<RunningService<C>> {
  const logger = createLogger({
    service: definition.name,
    level: config.LOG_LEVEL,
    format: config.LOG_FORMAT,
  });
  startTracing(definition.name, config.OTEL_EXPORTER_OTLP_ENDPOINT);
  /** What start has opened so far, released in reverse order if a later step fails. */
  const opened: Array<() => Promise<void>> = [];
  const releaseOpened = async () => {
    for (const release of opened.reverse()) await release().catch(() => undefined);
  };
  try {
    const schema = config.DB_SCHEMA ?? definition.name;
    const dataSource = await openDatabase({
      url: config.DATABASE_URL,
      schema,
      poolSize: config.DB_POOL_SIZE,
      preparedStatements: config.DB_PREPARED_STATEMENTS,
      entities: definition.entities,
      migrations: definition.migrations,
      logger,
    });
    opened.push(() => dataSource.destroy());
    const bus = await NatsBus.connect({
      url: config.NATS_URL,
      namespace: config.NATS_NAMESPACE,
      name: definition.name,
      logger,
    });
    opened.push(() => bus.close());
    await bus.ensureStream(config.NATS_STREAM_REPLICAS);
    const metrics = new ServiceMetrics(definition.name);
    bus.rpcObserver = {
      observe: (subject, outcome, seconds) => metrics.rpcDuration.observe({ subject, outcome }, seconds),
    };
    const relay = new OutboxRelay(dataSource, schema, bus, logger, { pollMs: config.OUTBOX_POLL_MS });
    const outbox = new Outbox(dataSource, schema, bus.namespace, () => relay.wake());
    relay.start();
    opened.push(() => relay.stop());

    const deps: ServiceDeps<C> = {
      name: definition.name,
      config,
      logger,
      dataSource,
      schema,
      bus,
      outbox,
      pii: new PiiCipher(config.PII_KEY),
      clock: options.clock ?? clockOf(config),
      metrics,
    };
    const parts = await definition.build(deps);
    const consumers = (parts.consumers ?? []).map(
      (spec) =>
        new DurableConsumer(spec, bus, dataSource, outbox, logger, {
          service: definition.name,
          schema,
          maxDeliveries: config.EVENT_MAX_DELIVERIES,
          retryBaseMs: config.EVENT_RETRY_BASE_MS,
          retryMaxMs: config.EVENT_RETRY_MAX_MS,
          maxAgeMs: config.EVENT_RETRY_MAX_AGE_MINUTES * 60_000,
          concurrency: config.EVENT_CONCURRENCY,
          onOutcome: (consumer, outcome) => metrics.eventsHandled.inc({ consumer, outcome }),
        }),
    );
    registerRuntimeGauges(metrics, { relay, consumers, dataSource });
    for (const consumer of consumers) {
      await consumer.start();
      opened.push(() => consumer.stop());
    }
    const parkedReplayer = new PeriodicWorker({
      name: 'parked event replayer',
      intervalMs: config.EVENT_REPLAY_PARKED_MS,
      logger,
      runAtStart: false,
      run: async () => {
        for (const consumer of consumers) {
          const handled = await consumer.replayDue();
          if (handled > 0) logger.info({ consumer: consumer.durable, handled }, 'parked events replayed');
        }
      },
    });
    const workers = [...(parts.workers ?? []), parkedReplayer];
    for (const worker of workers) {
      await worker.start();
      opened.push(() => worker.stop());
    }

    const apollo = new ApolloServer<TContext>({
      schema: buildSubgraphSchema({ typeDefs: parts.typeDefs, resolvers: parts.resolvers as never }),
      formatError: createFormatError(logger),
      includeStacktraceInErrorResponses: false,
      // stop() below stops Apollo in order; Apollo's own handler would re-raise the signal and kill the process mid-shutdown.
      stopOnTerminationSignals: false,
      plugins: [
        ApolloServerPluginLandingPageDisabled(),
        ApolloServerPluginInlineTraceDisabled(),
        graphqlMetricsPlugin<TContext>(metrics),
      ],
    });
    await apollo.start();
    opened.push(() => apollo.stop());

    // Twice the signature's age limit: a request stays refusable for as long as its timestamp passes.
    const replays = new ReplayGuard(2 * config.CONTEXT_MAX_AGE_SECONDS * 1000);
    const metricsEndpoint = await startMetricsEndpoint({
      host: config.HOST,
      port: config.METRICS_PORT,
      metrics,
      logger,
    });
    opened.push(() => metricsEndpoint.close());
    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/health') return sendJson(res, 200, { status: 'ok', service: definition.name });
      if (await metricsEndpoint.answer(path ?? '/', res)) return;
      if (path === '/ready') {
        const [database, nats] = await Promise.all([databaseReachable(dataSource), bus.reachable()]);
        const outboxPublishing = !relay.isFailing;
        return sendJson(res, database && nats && outboxPublishing ? 200 : 503, {
          database,
          nats,
          outbox: outboxPublishing ? 'publishing' : `cannot publish: ${relay.lastFailure ?? 'unknown'}`,
        });
      }
      if (path?.startsWith('/admin/')) return adminRoute(req, res, path, config, consumers);
      if (path !== '/graphql') return sendJson(res, 404, { error: 'not found' });
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' }, { allow: 'POST' });
      const body = await readBody(req);
      let claims: Claims;
      try {
        claims = verifyClaims(config.CONTEXT_SECRET, req.headers, body, config.CONTEXT_MAX_AGE_SECONDS);
      } catch (error) {
        const refusal = error as AppError;
        logger.warn({ reason: refusal.message }, 'unsigned or invalid gateway request refused');
        return sendGraphQLError(res, 403, ErrorCode.FORBIDDEN, refusal.message);
      }
      if (!replays.admit(claims.nonce)) {
        logger.warn({ requestId: claims.requestId }, 'replayed gateway request refused');
        return sendGraphQLError(res, 403, ErrorCode.FORBIDDEN, 'Request was already received (replay)');
      }
      const requestLogger = logger.child({ requestId: claims.requestId });
      await inSpan(
        `subgraph ${definition.name}`,
        {
          kind: SpanKind.SERVER,
          parent: contextFromHeaders(req.headers),
          attributes: { 'attestor.request_id': claims.requestId },
        },
        () =>
          withRequestId(claims.requestId, () =>
            executeGraphQL(apollo, req, res, body, async () =>
              parts.context({
                caller: claims.caller,
                claims,
                requestId: claims.requestId,
                logger: requestLogger,
              }),
            ),
          ),
      );
    };
    const http = await startHttpServer({ host: config.HOST, port: config.PORT, logger, handle });
    const url = `http://${config.HOST}:${http.port}/graphql`;
    logger.info({ url }, `${definition.name} subgraph ready`);

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        logger.info('shutting down');
        const deadline = config.SHUTDOWN_TIMEOUT_MS;
        await http.close(deadline);
        await metricsEndpoint.close();
        await apollo.stop();
        for (const worker of [...workers].reverse()) await worker.stop();
        for (const consumer of consumers) await consumer.stop();
        await relay.flush(Math.min(deadline, 5000));
        await relay.stop();
        await bus.close();
        await dataSource.destroy();
        await stopTracing(definition.name);
        logger.info('stopped');
        logger.flush();
      })();
      return stopping;
    };
    return { url, port: http.port, deps, relay, consumers, stop };
  } catch (error) {
    await releaseOpened();
    throw error;
  }
}

async function adminRoute(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  config: PlatformConfig,
  consumers: DurableConsumer[],
): Promise<void> {
  if (!bearerMatches(req.headers.authorization, config.ADMIN_TOKEN)) {
    return sendJson(res, 401, { error: 'admin token required' });
  }
  if (path === '/admin/parked-events' && req.method === 'GET') {
    const lists = await Promise.all(consumers.map((c) => c.listParked()));
    return sendJson(res, 200, { parked: lists.flat() });
  }
  const discard = /^\/admin\/parked-events\/([^/]+)\/(\d+)\/discard$/.exec(path);
  if (discard && req.method === 'POST') {
    const consumer = consumers.find((c) => c.durable === discard[1]);
    if (!consumer) return sendJson(res, 404, { error: `no consumer ${discard[1]}` });
    const discarded = await consumer.discard(discard[2] ?? '');
    return sendJson(
      res,
      discarded ? 200 : 404,
      discarded ? { outcome: 'discarded' } : { error: 'nothing waiting' },
    );
  }
  const replay = /^\/admin\/parked-events\/([^/]+)\/(\d+)\/replay$/.exec(path);
  if (replay && req.method === 'POST') {
    const consumer = consumers.find((c) => c.durable === replay[1]);
    if (!consumer) return sendJson(res, 404, { error: `no consumer ${replay[1]}` });
    try {
      const outcome = await consumer.replay(replay[2] ?? '');
      return sendJson(res, 200, { outcome });
    } catch (error) {
      return sendJson(res, 409, { error: error instanceof Error ? error.message : String(error) });
    }
  }
  return sendJson(res, 404, { error: 'not found' });
}

/** Entry-point helper: stop cleanly on SIGINT/SIGTERM, exit 0 when done (1 if stopping failed). */
export function stopOnSignals(stop: () => Promise<void>, logger?: Logger): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    logger?.info({ signal }, 'signal received');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** The metrics every subgraph has: outbox size and lag, parked events, database pool use. */
function registerRuntimeGauges(
  metrics: ServiceMetrics,
  parts: { relay: OutboxRelay; consumers: DurableConsumer[]; dataSource: DataSource },
): void {
  metrics.gauge('attestor_outbox_unsent', 'Outbox rows not yet published to NATS', [], async (gauge) => {
    gauge.set(await parts.relay.pendingCount().catch(() => -1));
  });
  metrics.gauge(
    'attestor_outbox_lag_seconds',
    'Age of the oldest outbox row not yet published (0 when none)',
    [],
    async (gauge) => {
      gauge.set(await parts.relay.oldestPendingAgeSeconds().catch(() => -1));
    },
  );
  metrics.gauge('attestor_parked_events', 'Parked events waiting for a replay', [], async (gauge) => {
    const counts = await Promise.all(parts.consumers.map((c) => c.parkedCount().catch(() => 0)));
    gauge.set(counts.reduce((sum, n) => sum + n, 0));
  });
  metrics.gauge('attestor_db_pool_connections', 'Database pool connections by state', ['state'], (gauge) => {
    const pool = (
      parts.dataSource.driver as unknown as {
        master?: { totalCount: number; idleCount: number; waitingCount: number };
      }
    ).master;
    if (!pool) return;
    gauge.set({ state: 'total' }, pool.totalCount);
    gauge.set({ state: 'idle' }, pool.idleCount);
    gauge.set({ state: 'waiting' }, pool.waitingCount);
  });
}
