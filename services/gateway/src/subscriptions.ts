import type { IncomingMessage, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError, print, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { eventEnvelopeSchema, eventFilter, isUuid } from '@attestor/contracts';
import { AppError, ErrorCode, type Caller, type Logger, type NatsBus } from '@attestor/platform';
import type { GatewayContext } from './context.js';
import { planInquiryQuery, SubscriptionPlanError } from './inquiry-subscription.js';

export interface SubscriptionOptions {
  server: Server;
  path: string;
  apollo: ApolloServer<GatewayContext>;
  schema: () => GraphQLSchema | undefined;
  bus: NatsBus;
  logger: Logger;
  authenticate(authorization: string | undefined, requestId: string): Promise<Caller>;
  admit(caller: Caller): { allowed: true } | { allowed: false; retryAfterSeconds: number };
  clientIp(request: IncomingMessage): string | null;
}

interface SocketContext extends GatewayContext {
  /** Checks the connection's credentials again (revoked keys, expired sessions) before each message. */
  reauthenticate(): Promise<Caller>;
}

const errorResult = (code: ErrorCode, message: string): ExecutionResult => ({
  errors: [new GraphQLError(message, { extensions: { code } })],
});

/** A pull-based stream of results whose `return()` (client completes, socket closes) frees it at once. */
class ResultStream implements AsyncIterableIterator<ExecutionResult> {
  private readonly buffer: ExecutionResult[] = [];
  private waiting: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
  private ending = false;
  private closed = false;

  constructor(private readonly onClose: () => void) {}

  get isClosed(): boolean {
    return this.closed || this.ending;
  }

  push(result: ExecutionResult): void {
    if (this.isClosed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: result, done: false });
    } else this.buffer.push(result);
  }

  /** No more results after those buffered. */
  end(): void {
    this.ending = true;
    if (this.buffer.length === 0) this.close();
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const value = this.buffer.shift();
    if (value) {
      if (this.ending && this.buffer.length === 0) this.close();
      return Promise.resolve({ value, done: false });
    }
    if (this.closed || this.ending) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    this.onClose();
  }
}

/**
 * GraphQL over WebSocket (graphql-ws) on the HTTP server's port and path. `@apollo/gateway` cannot
 * execute subscriptions, so `inquiryUpdated(id)` is served here: the current state first, then on each
 * `inquiry.*` event of that inquiry (a core NATS subscription per client subscription, released when it
 * ends) the client's selection runs as a query through the supergraph with the subscriber's own,
 * re-checked credentials. Each gateway instance delivers to its own clients.
 */
export function attachSubscriptions(options: SubscriptionOptions) {
  const { apollo, bus, logger } = options;
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  let active = 0;

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

  const runQuery = async (
    args: Pick<ExecutionArgs, 'document' | 'variableValues' | 'operationName'>,
    context: GatewayContext,
  ) => {
    const response = await apollo.executeOperation(
      {
        query: print(args.document),
        variables: (args.variableValues ?? undefined) as Record<string, unknown> | undefined,
        ...(args.operationName ? { operationName: args.operationName } : {}),
      },
      { contextValue: context },
    );
    if (response.body.kind !== 'single')
      return errorResult(ErrorCode.BAD_USER_INPUT, 'Incremental delivery is not supported here');
    return response.body.singleResult as ExecutionResult;
  };

  const subscribe = (args: ExecutionArgs): AsyncIterableIterator<ExecutionResult> | ExecutionResult => {
    const context = args.contextValue as SocketContext;
    let plan;
    try {
      plan = planInquiryQuery(args.document, args.operationName, args.variableValues);
    } catch (error) {
      if (error instanceof SubscriptionPlanError) return errorResult(ErrorCode.BAD_USER_INPUT, error.message);
      throw error;
    }
    if (!plan.inquiryId || !isUuid(plan.inquiryId))
      return errorResult(ErrorCode.NOT_FOUND, 'Inquiry not found');

    // Registered first so that no event falls between it and the first read; its callback only runs
    // once the stream below exists.
    const subscription = bus.connection.subscribe(eventFilter(bus.namespace, 'inquiry.*', plan.inquiryId), {
      callback: (error, message) => {
        if (error) return;
        enqueue(async () => {
          const parsed = eventEnvelopeSchema.safeParse(JSON.parse(new TextDecoder().decode(message.data)));
          const toStatus = parsed.success ? parsed.data.data['toStatus'] : undefined;
          await deliver(typeof toStatus === 'string' ? toStatus : null);
        });
      },
    });
    const stream = new ResultStream(() => {
      subscription.unsubscribe();
      active -= 1;
    });
    active += 1;
    let last = '';
    const deliver = async (toStatus: string | null) => {
      if (stream.isClosed) return;
      let caller: Caller;
      try {
        caller = await context.reauthenticate();
      } catch (error) {
        stream.push(
          errorResult(
            ErrorCode.UNAUTHENTICATED,
            error instanceof AppError ? error.message : 'Credentials expired',
          ),
        );
        stream.end();
        return;
      }
      const result = await runQuery(
        { ...args, document: plan.query },
        { ...context, caller, requestId: randomUUID() },
      );
      const inquiry = result.data?.[plan.responseKey] as Record<string, unknown> | null | undefined;
      if (!inquiry) {
        stream.push(result.errors?.length ? result : errorResult(ErrorCode.NOT_FOUND, 'Inquiry not found'));
        stream.end();
        return;
      }
      // Several transitions can commit together (COMPLETED then APPROVED): each message shows the status
      // its event reached, so a subscriber sees every step in order.
      if (toStatus) for (const key of plan.statusKeys) inquiry[key] = toStatus;
      const text = JSON.stringify(result);
      if (text === last) return;
      last = text;
      stream.push(result);
    };

    let chain = Promise.resolve();
    const enqueue = (work: () => Promise<void>) => {
      chain = chain.then(work).catch((error: unknown) => {
        logger.error({ err: error }, 'subscription delivery failed');
        stream.push(errorResult(ErrorCode.INTERNAL, 'Internal error'));
        stream.end();
      });
    };
    // Flushed so the server has the subscription before the first read.
    enqueue(async () => {
      await bus.connection.flush();
      await deliver(null);
    });
    return stream;
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
          connections.set(ctx, { authorization, caller, ip: options.clientIp(ctx.extra.request) });
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe: (ctx) => {
        const connection = connections.get(ctx);
        if (!connection)
          return [new GraphQLError('Not authenticated', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
        const admitted = options.admit(connection.caller);
        if (!admitted.allowed) {
          return [
            new GraphQLError('Too many requests for these credentials', {
              extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: admitted.retryAfterSeconds },
            }),
          ];
        }
        return undefined;
      },
      context: (ctx): SocketContext => {
        const connection = connections.get(ctx);
        if (!connection) throw new Error('context for an unauthenticated socket');
        const requestId = randomUUID();
        return {
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
    active: () => active,
    async close(): Promise<void> {
      for (const client of wsServer.clients) client.close(1001, 'Going away');
      await dispose.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
