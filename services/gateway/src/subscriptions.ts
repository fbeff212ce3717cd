import type { IncomingMessage, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ApolloServer } from '@apollo/server';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  parse,
  print,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import {
  eventEnvelopeSchema,
  eventFilter,
  isUuid,
  normalizeNamespace,
  type EventEnvelope,
} from '@attestor/contracts';
import { ErrorCode, STALE_DETECTION_MS, type Caller, type Logger, type NatsBus } from '@attestor/platform';
import { CloseCode } from './close-codes.js';
import type { GatewayContext } from './context.js';
import type { Admission } from './rate-limit.js';
import {
  FEED_INQUIRY_VARIABLE,
  planAccountFeedQuery,
  planInquiryQuery,
  subscriptionKind,
  SubscriptionPlanError,
} from './inquiry-subscription.js';
import { errorResult, openFeed, safeJson, type FeedDeps, type Resync } from './subscription-feed.js';
import type { HoldStore } from './subscription-holds.js';
import { quotaMessage, SocketQuota, SubscriptionQuota, type QuotaLimits } from './subscription-quota.js';

/** Clocks of this gateway and the NATS server may differ by this much. */
const RECONNECT_MARGIN_MS = 5_000;
/** The most stored events one reconnect reads back (a long outage of a busy platform has more). */
const MISSED_EVENTS_READ = 20_000;

/** The inquiry events stored since `since`, read once per reconnect for every account feed. */
async function readMissed(
  bus: NatsBus,
  logger: Logger,
  filter: string,
  since: Date,
): Promise<EventEnvelope[]> {
  try {
    const { messages, truncated } = await bus.storedSince(filter, since, MISSED_EVENTS_READ);
    if (truncated) {
      logger.warn(
        { read: messages.length, since },
        'NATS reconnected: only the oldest missed events were read back',
      );
    }
    return messages.flatMap((m) => {
      const parsed = eventEnvelopeSchema.safeParse(safeJson(m.data));
      return parsed.success ? [parsed.data] : [];
    });
  } catch (error) {
    logger.warn({ err: error }, 'NATS reconnected: the missed events could not be read back');
    return [];
  }
}

export interface SubscriptionOptions {
  server: Server;
  path: string;
  apollo: ApolloServer<GatewayContext>;
  schema: () => GraphQLSchema | undefined;
  bus: NatsBus;
  logger: Logger;
  authenticate(authorization: string | undefined, requestId: string): Promise<Caller>;
  admit(caller: Caller): Promise<Admission>;
  clientIp(request: IncomingMessage): string | null;
  /** The HTTP endpoint's limits, met by every operation sent over a socket before it runs. */
  limits: { maxTokens: number; validationRules: ValidationRule[]; fieldSuggestions: boolean };
  quota: QuotaLimits;
  /** Open sockets per account's API keys and per session token on this gateway. */
  sockets: { perAccount: number; perSession: number };
  /** Where every gateway counts its subscriptions together (unset: each gateway on its own). */
  holdStore?: (counts: ReadonlyMap<string, number>) => HoldStore;
}

interface SocketContext extends GatewayContext {
  /** The graphql-ws connection the operation came on (its subscriptions count against its quota). */
  socket: object;
  /** Checks the connection's credentials again (revoked keys, expired sessions) before each message. */
  reauthenticate(): Promise<Caller>;
}

/**
 * GraphQL over WebSocket (graphql-ws) on the HTTP server's port and path. `@apollo/gateway` cannot
 * execute subscriptions, so they are served here (subscription-feed.ts): `inquiryUpdated(id)` — the
 * current state first, then each change of that inquiry — and `inquiriesUpdated` — each change of
 * any inquiry of the caller's account (API keys only). Each gateway instance delivers to its own
 * clients: every instance receives every event (core NATS fans out).
 */
export function attachSubscriptions(options: SubscriptionOptions) {
  const { apollo, bus, logger } = options;
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const quota = new SubscriptionQuota(options.quota, logger);
  if (options.holdStore) quota.share(options.holdStore);
  const sockets = new SocketQuota(options.sockets);
  const validationRules = [...specifiedRules, ...options.limits.validationRules];
  const resyncs = new Set<Resync>();
  const watchReconnects = (resync: Resync) => {
    resyncs.add(resync);
    return () => void resyncs.delete(resync);
  };
  const inquiryEvents = `${normalizeNamespace(bus.namespace)}inquiry.>`;
  void (async () => {
    let lostAt: number | null = null;
    for await (const status of bus.connection.status()) {
      if (status.type === 'disconnect') lostAt ??= Date.now();
      if (status.type !== 'reconnect') continue;
      // A frozen connection is reported lost only once found stale: messages may have gone missing
      // for that long before.
      const since = new Date((lostAt ?? Date.now()) - STALE_DETECTION_MS - RECONNECT_MARGIN_MS);
      lostAt = null;
      logger.info({ feeds: resyncs.size }, 'NATS reconnected: subscription feeds catch up');
      let read: Promise<EventEnvelope[]> | undefined;
      const missed = () => (read ??= readMissed(bus, logger, inquiryEvents, since));
      for (const resync of resyncs) resync(missed);
    }
  })();

  options.server.on('upgrade', (request, socket, head) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== options.path) {
      socket.destroy();
      return;
    }
    wsServer.handleUpgrade(request, socket, head, (ws) => wsServer.emit('connection', ws, request));
  });

  const connections = new WeakMap<
    object,
    { authorization: string | undefined; caller: Caller; ip: string | null }
  >();

  // A feed runs its one document on every event: printed once, not once per delivery.
  const printed = new WeakMap<DocumentNode, string>();
  const textOf = (document: DocumentNode): string => {
    let text = printed.get(document);
    if (text === undefined) {
      text = print(document);
      printed.set(document, text);
    }
    return text;
  };
  const runQuery: FeedDeps['runQuery'] = async (args, context) => {
    const response = await apollo.executeOperation(
      {
        query: textOf(args.document),
        variables: (args.variableValues ?? undefined) as Record<string, unknown> | undefined,
        ...(args.operationName ? { operationName: args.operationName } : {}),
      },
      { contextValue: context },
    );
    if (response.body.kind !== 'single')
      return errorResult(ErrorCode.BAD_USER_INPUT, 'Incremental delivery is not supported here');
    return response.body.singleResult as ExecutionResult;
  };

  const subscribe = async (
    args: ExecutionArgs,
  ): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const context = args.contextValue as SocketContext;
    const deps: FeedDeps = { bus, logger, runQuery, reauthenticate: context.reauthenticate, watchReconnects };
    let place: { release: () => void } | null = null;
    const hold = async (): Promise<ExecutionResult | null> => {
      const taken = await quota.take(context.socket, context.caller);
      if (!('release' in taken)) {
        return {
          errors: [
            new GraphQLError(quotaMessage(taken), {
              extensions: { code: ErrorCode.RATE_LIMITED, reason: 'TOO_MANY_SUBSCRIPTIONS' },
            }),
          ],
        };
      }
      place = taken;
      return null;
    };
    const release = () => place?.release();
    try {
      if (subscriptionKind(args.document, args.operationName) === 'inquiriesUpdated') {
        if (context.caller.kind !== 'partner') {
          return errorResult(
            ErrorCode.FORBIDDEN,
            'inquiriesUpdated needs an API key (it follows a whole account)',
          );
        }
        const accountId = context.caller.accountId;
        const plan = planAccountFeedQuery(args.document, args.operationName);
        const refused = await hold();
        if (refused) return refused;
        return openFeed(
          deps,
          {
            filter: `${normalizeNamespace(bus.namespace)}inquiry.>`,
            inquiryOf: (event) =>
              event.accountId === accountId && event.type !== 'inquiry.api-key.revoked'
                ? event.subjectId
                : null,
            initialInquiry: null,
            variablesFor: (inquiryId) => ({ [FEED_INQUIRY_VARIABLE]: inquiryId }),
            endWhenMissing: false,
          },
          plan,
          args,
          context,
          release,
        );
      }
      const plan = planInquiryQuery(args.document, args.operationName, args.variableValues);
      const inquiryId = plan.inquiryId;
      if (!inquiryId || !isUuid(inquiryId)) return errorResult(ErrorCode.NOT_FOUND, 'Inquiry not found');
      const refused = await hold();
      if (refused) return refused;
      return openFeed(
        deps,
        {
          filter: eventFilter(bus.namespace, 'inquiry.*', inquiryId),
          inquiryOf: () => inquiryId,
          initialInquiry: inquiryId,
          variablesFor: () => ({}),
          endWhenMissing: true,
        },
        plan,
        args,
        context,
        release,
      );
    } catch (error) {
      // A place taken for a feed that then failed to open (NATS closing under it) is given back.
      if (place !== null) release();
      if (error instanceof SubscriptionPlanError) return errorResult(ErrorCode.BAD_USER_INPUT, error.message);
      throw error;
    }
  };

  const dispose = useServer(
    {
      schema: () => {
        const schema = options.schema();
        if (!schema) throw new Error('supergraph not loaded yet');
        return schema;
      },
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const raw = params['authorization'] ?? params['Authorization'];
        const authorization = typeof raw === 'string' ? raw : undefined;
        try {
          const caller = await options.authenticate(authorization, randomUUID());
          // A connection takes a rate-limit token, and a place among the credential's open sockets;
          // refused, it closes with Try Again Later (1013), which graphql-ws clients retry after a pause.
          const admitted = await options.admit(caller);
          if (!admitted.allowed) {
            ctx.extra.socket.close(CloseCode.TryAgainLater, 'Too many requests for these credentials');
            return false;
          }
          const place = sockets.take(caller);
          if (!('release' in place)) {
            const holder = place.scope === 'session' ? 'this session token' : "this account's API keys";
            ctx.extra.socket.close(
              CloseCode.TryAgainLater,
              `Too many open sockets: ${holder} may hold ${place.limit} here`,
            );
            return false;
          }
          ctx.extra.socket.once('close', place.release);
          connections.set(ctx, { authorization, caller, ip: options.clientIp(ctx.extra.request) });
          return true;
        } catch {
          // graphql-ws closes the socket with CloseCode.Forbidden.
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        const connection = connections.get(ctx);
        if (!connection)
          return [new GraphQLError('Not authenticated', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
        const admitted = await options.admit(connection.caller);
        if (!admitted.allowed) {
          return [
            new GraphQLError('Too many requests for these credentials', {
              extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: admitted.retryAfterSeconds },
            }),
          ];
        }
        const schema = options.schema();
        if (!schema) {
          return [
            new GraphQLError('The gateway is starting, try again', {
              extensions: { code: ErrorCode.INTERNAL },
            }),
          ];
        }
        const document = parseBounded(payload.query, options.limits.maxTokens);
        if (document instanceof GraphQLError) return [document];
        const errors = validate(schema, document, validationRules);
        if (errors.length > 0) {
          return errors.map((error) => asRequestError(error, options.limits.fieldSuggestions));
        }
        // As over HTTP: which operation runs, and variables of its types, are the caller's to get right.
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          const message = payload.operationName
            ? `Unknown operation named "${payload.operationName.slice(0, 100)}"`
            : 'Several operations in the document: send operationName to say which to run';
          return [
            new GraphQLError(message, {
              extensions: { code: ErrorCode.BAD_USER_INPUT, field: 'operationName' },
            }),
          ];
        }
        const coerced = getVariableValues(
          schema,
          operation.variableDefinitions ?? [],
          payload.variables ?? {},
        );
        if (coerced.errors) {
          return coerced.errors.map((error) => asRequestError(error, options.limits.fieldSuggestions));
        }
        return {
          schema,
          document,
          ...(payload.operationName ? { operationName: payload.operationName } : {}),
          ...(payload.variables ? { variableValues: payload.variables } : {}),
        };
      },
      // Results run through Apollo carry its formatted errors (plain objects), which graphql-ws
      // would call toJSON on: the socket closed with 4500 on the first refused delivery.
      onNext: (_ctx, _id, _payload, _args, result) => formattedResult(result),
      context: (ctx): SocketContext => {
        const connection = connections.get(ctx);
        if (!connection) throw new Error('context for an unauthenticated socket');
        const requestId = randomUUID();
        return {
          socket: ctx,
          caller: connection.caller,
          requestId,
          ip: connection.ip,
          logger: logger.child({ requestId, transport: 'ws' }),
          reauthenticate: () => options.authenticate(connection.authorization, requestId),
        };
      },
      execute: (args) => runQuery(args, args.contextValue as GatewayContext),
      subscribe,
    },
    wsServer,
  );

  return {
    /** Client subscriptions currently holding a NATS subscription. */
    active: () => quota.held,
    /** WebSockets open (acknowledged or still to send connection_init). */
    sockets: () => wsServer.clients.size,
    async close(): Promise<void> {
      for (const client of wsServer.clients) client.close(CloseCode.GoingAway, 'Going away');
      await dispose.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      await quota.close();
    },
  };
}

const SUGGESTION_MASK = '[Suggestion hidden]';

/**
 * The operation's text parsed as the HTTP endpoint parses it: within the token limit (which also
 * bounds the parser's recursion: 30,000 nested selections overflowed its stack), errors coded.
 */
function parseBounded(query: string, maxTokens: number): DocumentNode | GraphQLError {
  try {
    return parse(query, { maxTokens });
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'The query could not be parsed';
    const tooLong = message.includes('tokens');
    return new GraphQLError(message, {
      extensions: { code: ErrorCode.BAD_USER_INPUT, ...(tooLong ? { reason: 'TOO_MANY_TOKENS' } : {}) },
    });
  }
}

/**
 * A validation error as the client sees it: its own code and reason if a limit set them, else
 * BAD_USER_INPUT; without field suggestions ("Did you mean …?", which reveal the schema) when they are
 * off, masked as GraphQL Armor masks them over HTTP.
 */
function asRequestError(error: GraphQLError, fieldSuggestions: boolean): GraphQLError {
  const reason = error.extensions['reason'];
  const message = fieldSuggestions
    ? error.message
    : error.message.replace(/Did you mean ".+"/g, SUGGESTION_MASK);
  return new GraphQLError(message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    extensions: { code: ErrorCode.BAD_USER_INPUT, ...(typeof reason === 'string' ? { reason } : {}) },
  });
}

/** The wire form of a result, whether its errors are GraphQLErrors or already formatted by Apollo. */
export function formattedResult(result: ExecutionResult): FormattedExecutionResult {
  const { errors, ...rest } = result;
  if (!errors) return rest as FormattedExecutionResult;
  return {
    ...(rest as FormattedExecutionResult),
    errors: errors.map((error) => (typeof error.toJSON === 'function' ? error.toJSON() : error)),
  };
}
