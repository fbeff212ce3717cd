import { randomUUID } from 'node:crypto';
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Subscription } from 'nats';
import { eventEnvelopeSchema, type EventEnvelope } from '@attestor/contracts';
import { AppError, ErrorCode, RecentMap, type Caller, type Logger, type NatsBus } from '@attestor/platform';
import type { GatewayContext } from './context.js';
import type { InquiryQueryPlan } from './inquiry-subscription.js';
import { ResultStream } from './result-stream.js';

const LAST_MESSAGES_KEPT = 1000;

export const errorResult = (code: ErrorCode, message: string): ExecutionResult => ({
  errors: [new GraphQLError(message, { extensions: { code } })],
});

/** Told of a NATS reconnect, with the stored inquiry events the outage may have hidden (read on first call). */
export type Resync = (missed: () => Promise<EventEnvelope[]>) => void;

/** What a feed needs from the gateway: the subscriber's re-checked credentials and the supergraph. */
export interface FeedDeps {
  bus: NatsBus;
  logger: Logger;
  reauthenticate(): Promise<Caller>;
  /** Calls `resync` after each NATS reconnect (events of the outage were missed); returns the unwatch. */
  watchReconnects(resync: Resync): () => void;
  runQuery(
    args: Pick<ExecutionArgs, 'document' | 'variableValues' | 'operationName'>,
    context: GatewayContext,
  ): Promise<ExecutionResult>;
}

export interface FeedSpec {
  /** NATS subject filter of the events that may concern the subscriber. */
  filter: string;
  /** The inquiry an event is about, when the subscriber follows it; null to skip the event. */
  inquiryOf(event: EventEnvelope): string | null;
  /** Send the current state of this inquiry first (inquiryUpdated), or nothing until an event (account feeds). */
  initialInquiry: string | null;
  /** The variables of the query for one inquiry. */
  variablesFor(inquiryId: string): Record<string, unknown>;
  /** End the feed when the inquiry it follows is not visible (inquiryUpdated); skip it otherwise. */
  endWhenMissing: boolean;
}

/**
 * One client subscription: a core NATS subscription on the spec's filter (registered before the first
 * read, so nothing falls between), and for each event the client's selection run as a query through
 * the supergraph with the subscriber's re-checked credentials, in arrival order. Several transitions
 * can commit together (COMPLETED then APPROVED), so each message shows in `status` the status its
 * event reached; identical consecutive messages of one inquiry are sent once. The NATS subscription
 * is released the moment the stream ends (client completes, socket closes, credentials expire). After a
 * NATS reconnect a feed reads again the state of what it follows that changed meanwhile, so a change
 * made during the outage arrives.
 */
export function openFeed(
  deps: FeedDeps,
  spec: FeedSpec,
  plan: InquiryQueryPlan,
  args: ExecutionArgs,
  context: GatewayContext,
  onRelease: () => void,
): ResultStream {
  // The NATS subscription is made below; the stream can only close after that.
  const stream = new ResultStream(() => {
    subscription.unsubscribe();
    unwatch();
    onRelease();
  });
  // The last message per inquiry, to send identical ones once: an account feed sees every inquiry of
  // a busy account for as long as the dashboard stays open, so only the most recent are kept.
  const last = new RecentMap<string, string>(LAST_MESSAGES_KEPT);
  let chain = Promise.resolve();
  const enqueue = (work: () => Promise<void>) => {
    chain = chain.then(work).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'subscription delivery failed');
      stream.push(errorResult(ErrorCode.INTERNAL, 'Internal error'));
      stream.end();
    });
  };

  const deliver = async (inquiryId: string, toStatus: string | null) => {
    if (stream.isClosed) return;
    let caller: Caller;
    try {
      caller = await deps.reauthenticate();
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
    const result = await deps.runQuery(
      {
        ...args,
        document: plan.query,
        variableValues: { ...(args.variableValues ?? {}), ...spec.variablesFor(inquiryId) },
      },
      { ...context, caller, requestId: randomUUID() },
    );
    const inquiry = result.data?.[plan.responseKey] as Record<string, unknown> | null | undefined;
    if (!inquiry) {
      if (!spec.endWhenMissing) return;
      stream.push(result.errors?.length ? result : errorResult(ErrorCode.NOT_FOUND, 'Inquiry not found'));
      stream.end();
      return;
    }
    if (toStatus) for (const key of plan.statusKeys) inquiry[key] = toStatus;
    const text = JSON.stringify(result);
    if (last.get(inquiryId) === text) return;
    last.set(inquiryId, text);
    stream.push(result);
  };

  const subscription: Subscription = deps.bus.connection.subscribe(spec.filter, {
    callback: (error, message) => {
      if (error) return;
      const parsed = eventEnvelopeSchema.safeParse(safeJson(message.data));
      if (!parsed.success) return;
      const inquiryId = spec.inquiryOf(parsed.data);
      if (inquiryId === null) return;
      const toStatus = parsed.data.data['toStatus'];
      enqueue(() => deliver(inquiryId, typeof toStatus === 'string' ? toStatus : null));
    },
  });
  // Flushed so the server has the subscription before the first read.
  enqueue(async () => {
    await deps.bus.connection.flush();
    if (spec.initialInquiry !== null) await deliver(spec.initialInquiry, null);
  });
  // Core NATS does not replay what it published while this gateway was away: after a reconnect an
  // inquiry's feed reads its state again, and an account feed reads the current state of each of its
  // inquiries that the stored events of the outage name (the most recent LAST_MESSAGES_KEPT).
  const unwatch = deps.watchReconnects((missed) => {
    const followed = spec.initialInquiry;
    if (followed !== null) return enqueue(() => deliver(followed, null));
    enqueue(async () => {
      const changed = new Set<string>();
      for (const event of await missed()) {
        const inquiryId = spec.inquiryOf(event);
        if (inquiryId === null) continue;
        changed.delete(inquiryId);
        changed.add(inquiryId);
      }
      for (const inquiryId of [...changed].slice(-LAST_MESSAGES_KEPT)) await deliver(inquiryId, null);
    });
  });
  return stream;
}

export function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
