import {
  AckPolicy,
  DeliverPolicy,
  nanos,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JsMsg,
} from 'nats';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import {
  eventCatalog,
  eventEnvelopeSchema,
  isEventType,
  normalizeNamespace,
  type EventData,
  type EventEnvelope,
  type EventType,
} from '@attestor/contracts';
import type { NatsBus } from './nats.js';
import type { Outbox, Transaction } from './outbox.js';
import { withRequestId } from '../request-scope.js';
import { contextFromHeaders, inSpan, SpanKind } from '../tracing.js';
import { qualified } from '../sql.js';

export interface HandlerContext {
  requestId: string | null;
  deliveryCount: number;
  /**
   * This delivery is the last before the event would be parked (or an operator's replay): a handler
   * that can end its step with a recorded failure instead of throwing should do so now.
   */
  lastAttempt: boolean;
  logger: Logger;
}

/**
 * How a service handles one event type, in two phases:
 * - `gather` (optional): the network work — rpc asks of other services, provider calls — outside any
 *   transaction. It may run again on a redelivery, so it must only read (or be idempotent at the far end).
 * - `apply`: the inbox row, the state change and the outbox rows in one short transaction, with what
 *   `gather` found. It runs at most once per event and consumer; it must not do network I/O.
 */
export interface EventHandler<T extends EventType, G = undefined> {
  /**
   * Optional, first: whether the event can change anything here, read outside any transaction. False
   * ends the delivery with no inbox row and no transaction (nothing happened, so a redelivery may ask
   * again). It must be a read whose "no" stays true for the event, or a race the apply phase covers.
   */
  concerns?(event: EventEnvelope<EventData<T>>): Promise<boolean>;
  gather?(event: EventEnvelope<EventData<T>>, context: HandlerContext): Promise<G>;
  apply(
    event: EventEnvelope<EventData<T>>,
    gathered: G,
    tx: Transaction,
    context: HandlerContext,
  ): Promise<void>;
}

/** A handler whose gather phase feeds its apply phase, typed by what gather returns. */
export function twoPhase<T extends EventType, G>(handler: {
  gather(event: EventEnvelope<EventData<T>>, context: HandlerContext): Promise<G>;
  apply(
    event: EventEnvelope<EventData<T>>,
    gathered: G,
    tx: Transaction,
    context: HandlerContext,
  ): Promise<void>;
}): EventHandler<T, G> {
  return handler;
}

/** A handler that only writes to this service's database (no gather phase). */
export function applyOnly<T extends EventType>(
  apply: (event: EventEnvelope<EventData<T>>, tx: Transaction, context: HandlerContext) => Promise<void>,
): EventHandler<T> {
  return { apply: (event, _gathered, tx, context) => apply(event, tx, context) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each type's gather result is its own; the consumer only passes it on
export type EventHandlers = { [T in EventType]?: EventHandler<T, any> };

export interface ConsumerSpec {
  /** Durable name within the service, e.g. `phone-events`. */
  name: string;
  /** Subject filter without namespace, e.g. `phone.verification.>`; one filter keeps its events in order. */
  filter: string;
  handlers: EventHandlers;
}

export interface ConsumerOptions {
  service: string;
  schema: string;
  /** Deliveries before an event is parked for an operator. */
  maxDeliveries: number;
  /** First retry delay; doubles per delivery, with jitter, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs?: number;
  /** An event older than this is parked at its next failure. */
  maxAgeMs?: number;
  /** When a parked event is first tried again on its own (default 5 minutes; doubles after each failure). */
  autoReplayFirstMs?: number;
  /** Events handled at once (default 1); those of one ordering key stay one after another. */
  concurrency?: number;
  /** Counts what became of each delivery (the service's metrics). */
  onOutcome?: (consumer: string, outcome: 'handled' | 'duplicate' | 'retried' | 'parked') => void;
}

/** A parked event's first automatic replay comes after this; each failed one doubles it, up to a day. */
export const AUTO_REPLAY_FIRST_MS = 5 * 60_000;
const AUTO_REPLAY_MAX_MS = 24 * 3_600_000;

export interface ParkedEvent {
  id: string;
  consumer: string;
  eventId: string;
  subject: string;
  type: string;
  error: string;
  deliveries: number;
  parkedAt: string;
  replayedAt: string | null;
  /** Automatic replays tried so far, and when the next one is due (null: waits for an operator). */
  autoReplays: number;
  nextReplayAt: string | null;
  discardedAt: string | null;
}

const DEFAULT_MAX_RETRY_DELAY_MS = 60_000;

/** Doubling from `baseMs`, capped at `maxMs`, ±25 % jitter so a burst of failures spreads out. */
export function retryDelay(
  deliveryCount: number,
  baseMs: number,
  random: () => number = Math.random,
  maxMs: number = DEFAULT_MAX_RETRY_DELAY_MS,
): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(Math.min(deliveryCount, 40) - 1, 0), maxMs);
  return Math.round(exponential * (0.75 + random() * 0.5));
}

/**
 * The key whose events are handled in stream order: the inquiry the event concerns when its data
 * names one (a phone verification's, a database verification's, a blocked assessment's), else its
 * subject — for the inquiry's own events, the inquiry again. Events of different keys may be handled
 * side by side. A message that is not an event is keyed by its NATS subject.
 */
export function orderingKeyOf(subject: string, event: EventEnvelope | null): string {
  if (event === null) return subject;
  const inquiryId = event.data['inquiryId'];
  return typeof inquiryId === 'string' ? inquiryId : event.subjectId;
}

/**
 * A durable JetStream consumer whose handler runs in one database transaction with an inbox row
 * (consumer, event id): a redelivered event finds the row and has no second effect. A failing handler
 * is retried with backoff; after `maxDeliveries` the event is parked in `parked_events` and acked, so
 * it stops blocking the stream while an operator looks at it (and replays it with `replay`).
 * Up to `concurrency` events are in hand at once — a handler mostly waits on its database and on the
 * services it asks — but the events of one ordering key (`orderingKeyOf`) one after another.
 */
export class DurableConsumer {
  readonly durable: string;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly inbox: string;
  private readonly parked: string;

  constructor(
    private readonly spec: ConsumerSpec,
    private readonly bus: NatsBus,
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly options: ConsumerOptions,
  ) {
    this.durable = `${options.service}-${spec.name}`;
    this.inbox = qualified(options.schema, 'inbox');
    this.parked = qualified(options.schema, 'parked_events');
  }

  async start(): Promise<void> {
    const config: Partial<ConsumerConfig> & { filter_subject: string } = {
      durable_name: this.durable,
      filter_subject: `${normalizeNamespace(this.bus.namespace)}${this.spec.filter}`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      // Parking is ours (we need the event and the error); the server only stops a runaway loop.
      max_deliver: this.options.maxDeliveries + 5,
    };
    let existing: ConsumerInfo | null = null;
    try {
      existing = await this.bus.jsm.consumers.info(this.bus.stream, this.durable);
    } catch (error) {
      if (!String(error).includes('consumer not found')) throw error;
    }
    if (existing === null) {
      await this.bus.jsm.consumers.add(this.bus.stream, config);
    } else if (existing.config.filter_subject !== config.filter_subject) {
      await this.refilter(existing, config);
    } else {
      await this.bus.jsm.consumers.update(this.bus.stream, this.durable, {
        ack_wait: config.ack_wait,
        max_deliver: config.max_deliver,
      });
    }
    const consumer = await this.bus.js.consumers.get(this.bus.stream, this.durable);
    this.messages = await consumer.consume({ max_messages: 32 });
    const messages = this.messages;
    this.loop = this.dispatch(messages).catch((error: unknown) =>
      this.logger.error({ err: error, consumer: this.durable }, 'consumer stopped'),
    );
  }

  /**
   * The durable exists with another filter (a release narrowed it): it takes the new one and keeps
   * its place in the stream. The server changes the filter in place where it can (NATS 2.10); an
   * older one refuses, and the durable is made again from the first event it had not acknowledged —
   * under the same name, so its inbox absorbs what it gets a second time.
   */
  private async refilter(existing: ConsumerInfo, config: Partial<ConsumerConfig>): Promise<void> {
    try {
      await this.bus.jsm.consumers.update(this.bus.stream, this.durable, {
        filter_subject: config.filter_subject,
        ack_wait: config.ack_wait,
        max_deliver: config.max_deliver,
      });
    } catch {
      await this.bus.jsm.consumers.delete(this.bus.stream, this.durable);
      await this.bus.jsm.consumers.add(this.bus.stream, {
        ...config,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: existing.ack_floor.stream_seq + 1,
      });
    }
    this.logger.info(
      { consumer: this.durable, from: existing.config.filter_subject, to: config.filter_subject },
      'consumer filter changed',
    );
  }

  /**
   * Hands each message to `receive`, at most `concurrency` at once, chaining the messages of one
   * ordering key so each starts once the one before it is done. Returns when the messages end and
   * every event in hand is done.
   */
  private async dispatch(messages: ConsumerMessages): Promise<void> {
    const limit = this.options.concurrency ?? 1;
    const inHand = new Set<Promise<void>>();
    const lastOfKey = new Map<string, Promise<void>>();
    for await (const message of messages) {
      while (inHand.size >= limit) await Promise.race(inHand);
      const event = readEvent(message.data);
      const key = orderingKeyOf(message.subject, event.ok ? event.value : null);
      const before = lastOfKey.get(key) ?? Promise.resolve();
      const handled = before
        .then(() => this.receive(message, event))
        .catch((error: unknown) =>
          this.logger.error(
            { err: error, consumer: this.durable },
            'event left unhandled; JetStream delivers it again',
          ),
        );
      lastOfKey.set(key, handled);
      inHand.add(handled);
      void handled.then(() => {
        inHand.delete(handled);
        if (lastOfKey.get(key) === handled) lastOfKey.delete(key);
      });
    }
    await Promise.all(inHand);
  }

  /** Stops pulling and waits for the events in hand to finish. */
  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }

  /** Handles one message to its end (acked, or nak'd for a later delivery); never throws. */
  private async receive(message: JsMsg, read: ReadEvent): Promise<void> {
    const requestId = message.headers?.get('Attestor-Request-Id') || null;
    const deliveryCount = message.info.deliveryCount;
    const logger = this.logger.child({ consumer: this.durable, subject: message.subject, requestId });
    if (!read.ok) {
      logger.error({ err: read.error }, 'malformed event parked');
      await this.parkAndAck(message, null, new TextDecoder().decode(message.data), read.error, logger);
      return;
    }
    const event = read.value;
    try {
      const lastAttempt = this.isLastAttempt(deliveryCount, event.occurredAt);
      const traceparent = message.headers?.get('traceparent');
      const handled = await inSpan(
        `consume ${event.type}`,
        {
          kind: SpanKind.CONSUMER,
          parent: contextFromHeaders(traceparent ? { traceparent } : {}),
          attributes: {
            'attestor.consumer': this.durable,
            'attestor.event_id': event.id,
            'attestor.delivery': deliveryCount,
          },
        },
        () =>
          withRequestId(requestId, () =>
            this.handle(event, { requestId, deliveryCount, lastAttempt, logger }),
          ),
      );
      message.ack();
      this.options.onOutcome?.(this.durable, handled ? 'handled' : 'duplicate');
    } catch (error) {
      if (this.isLastAttempt(deliveryCount, event.occurredAt)) {
        logger.error(
          { err: error, eventId: event.id, deliveryCount },
          'event parked after repeated failures',
        );
        if (await this.parkAndAck(message, event, null, error, logger))
          this.options.onOutcome?.(this.durable, 'parked');
      } else {
        const delay = retryDelay(
          deliveryCount,
          this.options.retryBaseMs,
          Math.random,
          this.options.retryMaxMs,
        );
        logger.warn(
          { err: error, eventId: event.id, deliveryCount, retryInMs: delay },
          'event handler failed',
        );
        message.nak(delay);
        this.options.onOutcome?.(this.durable, 'retried');
      }
    }
  }

  /**
   * Parks the event and acks it; true when it did. When the park itself fails (the database is
   * down), the message is nak'd for a later delivery instead, so the consumer goes on.
   */
  private async parkAndAck(
    message: JsMsg,
    event: EventEnvelope | null,
    raw: string | null,
    error: unknown,
    logger: Logger,
  ): Promise<boolean> {
    const deliveryCount = message.info.deliveryCount;
    try {
      await this.park(message.subject, event, raw, error, deliveryCount);
    } catch (parkError) {
      const delay = retryDelay(deliveryCount, this.options.retryBaseMs, Math.random, this.options.retryMaxMs);
      logger.warn(
        { err: parkError, retryInMs: delay },
        'could not park the event; it will be delivered again',
      );
      message.nak(delay);
      return false;
    }
    message.ack();
    return true;
  }

  /** The delivery after which a failing event is parked: the count reached, or the event too old to retry. */
  private isLastAttempt(deliveryCount: number, occurredAt: string): boolean {
    if (deliveryCount >= this.options.maxDeliveries) return true;
    const age = Date.now() - Date.parse(occurredAt);
    return this.options.maxAgeMs !== undefined && age >= this.options.maxAgeMs;
  }

  /**
   * Runs the handler once per (consumer, event id); returns false when the inbox says it already ran.
   * An event the handler says does not concern it ends there, handled, with no transaction. The gather
   * phase runs next, outside any transaction (skipped when the inbox already has the event); the apply
   * phase runs in the transaction that writes the inbox row.
   */
  private async handle(event: EventEnvelope, context: HandlerContext): Promise<boolean> {
    if (!isEventType(event.type)) return false;
    const handler = this.spec.handlers[event.type] as EventHandler<EventType, unknown> | undefined;
    if (!handler) return false;
    const envelope = { ...event, data: eventCatalog[event.type].parse(event.data) as EventData<EventType> };
    if (handler.concerns && !(await handler.concerns(envelope))) return true;
    let gathered: unknown = undefined;
    if (handler.gather) {
      if (await this.alreadyHandled(event.id)) {
        context.logger.debug({ eventId: event.id }, 'duplicate delivery ignored');
        return false;
      }
      gathered = await handler.gather(envelope, context);
    }
    return this.outbox.transaction(
      async (tx) => {
        const inserted = (await tx.manager.query(
          `INSERT INTO ${this.inbox} (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
          [this.durable, event.id],
        )) as unknown[];
        if (inserted.length === 0) {
          context.logger.debug({ eventId: event.id }, 'duplicate delivery ignored');
          return false;
        }
        await handler.apply(envelope, gathered, tx, context);
        return true;
      },
      { requestId: context.requestId },
    );
  }

  private async alreadyHandled(eventId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM ${this.inbox} WHERE consumer = $1 AND event_id = $2`,
      [this.durable, eventId],
    )) as unknown[];
    return rows.length > 0;
  }

  private async park(
    subject: string,
    event: EventEnvelope | null,
    raw: string | null,
    error: unknown,
    deliveries: number,
  ): Promise<void> {
    const eventId = event?.id ?? '00000000-0000-0000-0000-000000000000';
    await this.dataSource.query(
      `INSERT INTO ${this.parked} (consumer, event_id, subject, payload, error, deliveries, next_replay_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN now() + make_interval(secs => $8) END)
       ON CONFLICT (consumer, event_id) DO UPDATE
         SET error = EXCLUDED.error, deliveries = EXCLUDED.deliveries, parked_at = now(), replayed_at = NULL,
             next_replay_at = EXCLUDED.next_replay_at, discarded_at = NULL`,
      [
        this.durable,
        eventId,
        subject,
        JSON.stringify(event ?? { raw }),
        errorText(error),
        deliveries,
        // A message that is not an event will never succeed: it waits for an operator.
        event !== null,
        (this.options.autoReplayFirstMs ?? AUTO_REPLAY_FIRST_MS) / 1000,
      ],
    );
  }

  /** Parked events waiting (not replayed, not discarded). */
  async parkedCount(): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM ${this.parked} WHERE consumer = $1 AND replayed_at IS NULL AND discarded_at IS NULL`,
      [this.durable],
    )) as Array<{ n: number }>;
    return row?.n ?? 0;
  }

  async listParked(): Promise<ParkedEvent[]> {
    const rows = (await this.dataSource.query(
      `SELECT id::text, consumer, event_id, subject, payload->>'type' AS type, error, deliveries,
              parked_at, replayed_at, auto_replays, next_replay_at, discarded_at
         FROM ${this.parked} WHERE consumer = $1 ORDER BY id`,
      [this.durable],
    )) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: String(r['id']),
      consumer: String(r['consumer']),
      eventId: String(r['event_id']),
      subject: String(r['subject']),
      type: String(r['type'] ?? ''),
      error: String(r['error']),
      deliveries: Number(r['deliveries']),
      parkedAt: new Date(r['parked_at'] as string).toISOString(),
      replayedAt: r['replayed_at'] ? new Date(r['replayed_at'] as string).toISOString() : null,
      autoReplays: Number(r['auto_replays']),
      nextReplayAt: r['next_replay_at'] ? new Date(r['next_replay_at'] as string).toISOString() : null,
      discardedAt: r['discarded_at'] ? new Date(r['discarded_at'] as string).toISOString() : null,
    }));
  }

  /**
   * Tries again the parked events whose automatic replay is due, a few at a time: once the cause is
   * gone (the provider is back, a bug is fixed and deployed), they go through without an operator.
   * Rows are claimed by moving their due time forward, so several instances never replay one at once
   * and no transaction stays open while a handler gathers. Returns how many were handled.
   */
  async replayDue(limit = 20): Promise<number> {
    const claimed = (await this.dataSource.query(
      `UPDATE ${this.parked} SET next_replay_at = now() + interval '10 minutes'
        WHERE id IN (
          SELECT id FROM ${this.parked}
           WHERE consumer = $1 AND replayed_at IS NULL AND discarded_at IS NULL AND next_replay_at <= now()
           ORDER BY next_replay_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING id::text, auto_replays`,
      [this.durable, limit],
    )) as [Array<{ id: string; auto_replays: number }>, number];
    let handled = 0;
    for (const row of claimed[0]) {
      try {
        await this.replay(row.id);
        handled += 1;
      } catch {
        const first = this.options.autoReplayFirstMs ?? AUTO_REPLAY_FIRST_MS;
        const wait = Math.min(first * 2 ** (row.auto_replays + 1), AUTO_REPLAY_MAX_MS);
        await this.dataSource.query(
          `UPDATE ${this.parked} SET auto_replays = auto_replays + 1,
                  next_replay_at = now() + make_interval(secs => $2) WHERE id = $1`,
          [row.id, wait / 1000],
        );
      }
    }
    return handled;
  }

  /** An operator's decision: this parked event is not to be replayed, automatically or otherwise. */
  async discard(parkedId: string): Promise<boolean> {
    const result = (await this.dataSource.query(
      `UPDATE ${this.parked} SET discarded_at = now(), next_replay_at = NULL
        WHERE id = $1 AND consumer = $2 AND replayed_at IS NULL AND discarded_at IS NULL`,
      [parkedId, this.durable],
    )) as [unknown[], number];
    return result[1] === 1;
  }

  /**
   * Runs a parked event's handler again (after the operator fixed the cause). On success the row is
   * marked replayed; on failure it stays parked with the new error, which is rethrown.
   */
  async replay(parkedId: string): Promise<'handled' | 'already-handled'> {
    const [row] = (await this.dataSource.query(
      `SELECT payload FROM ${this.parked}
        WHERE id = $1 AND consumer = $2 AND replayed_at IS NULL AND discarded_at IS NULL`,
      [parkedId, this.durable],
    )) as Array<{ payload: unknown }>;
    if (!row) throw new Error(`no parked event ${parkedId} waiting on ${this.durable}`);
    const event = eventEnvelopeSchema.parse(row.payload);
    const logger = this.logger.child({ consumer: this.durable, eventId: event.id, replay: true });
    try {
      const handled = await this.handle(event, {
        requestId: null,
        deliveryCount: 0,
        lastAttempt: true,
        logger,
      });
      await this.dataSource.query(
        `UPDATE ${this.parked} SET replayed_at = now(), next_replay_at = NULL WHERE id = $1`,
        [parkedId],
      );
      return handled ? 'handled' : 'already-handled';
    } catch (error) {
      await this.dataSource.query(`UPDATE ${this.parked} SET error = $2 WHERE id = $1`, [
        parkedId,
        errorText(error),
      ]);
      throw error;
    }
  }
}

function errorText(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2000);
}

type ReadEvent = { ok: true; value: EventEnvelope } | { ok: false; error: unknown };

function readEvent(data: Uint8Array): ReadEvent {
  try {
    return { ok: true, value: eventEnvelopeSchema.parse(JSON.parse(new TextDecoder().decode(data))) };
  } catch (error) {
    return { ok: false, error };
  }
}
