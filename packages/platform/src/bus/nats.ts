import {
  connect,
  DeliverPolicy,
  DiscardPolicy,
  headers as natsHeaders,
  nanos,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import type { Logger } from 'pino';
import { eventTypes, normalizeNamespace, streamName } from '@attestor/contracts';

export interface NatsOptions {
  url: string;
  namespace: string;
  /** Shown in the server's connection list: which service this is. */
  name: string;
  logger: Logger;
}

const STREAM_MAX_AGE_DAYS = 7;
const DUPLICATE_WINDOW_MINUTES = 2;
/**
 * A connection that stops answering (frozen, not closed) is found stale after this many unanswered
 * pings: within PING_INTERVAL_MS × MAX_PINGS_OUT, instead of the client's default 4 minutes.
 */
const PING_INTERVAL_MS = 10_000;
const MAX_PINGS_OUT = 3;
/** How long before its reported disconnect a connection may already have been losing messages. */
export const STALE_DETECTION_MS = PING_INTERVAL_MS * MAX_PINGS_OUT;

/** One subject filter per publishing service (`inquiry.>`, `phone.>`…), derived from the event catalog. */
export function streamSubjects(namespace: string): string[] {
  const ns = normalizeNamespace(namespace);
  return [...new Set(eventTypes.map((type) => type.split('.')[0]))].map((service) => `${ns}${service}.>`);
}

/** Told of every rpc ask this connection makes (the service's metrics). */
export interface RpcObserver {
  observe(subject: string, outcome: 'ok' | 'error' | 'timeout', seconds: number): void;
}

/** A NATS connection with JetStream, scoped to one namespace. */
export class NatsBus {
  readonly js: JetStreamClient;
  readonly stream: string;
  rpcObserver: RpcObserver | undefined;

  private constructor(
    readonly connection: NatsConnection,
    readonly jsm: JetStreamManager,
    readonly namespace: string,
    private readonly logger: Logger,
  ) {
    this.js = connection.jetstream();
    this.stream = streamName(namespace);
  }

  static async connect(options: NatsOptions): Promise<NatsBus> {
    const connection = await connect({
      servers: options.url,
      name: options.name,
      // Reconnect forever: a NATS restart must not take the service down, the outbox holds what piles up.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 5000,
      pingInterval: PING_INTERVAL_MS,
      maxPingOut: MAX_PINGS_OUT,
    });
    const jsm = await connection.jetstreamManager();
    const bus = new NatsBus(connection, jsm, normalizeNamespace(options.namespace), options.logger);
    bus.watchStatus();
    return bus;
  }

  private watchStatus(): void {
    void (async () => {
      for await (const status of this.connection.status()) {
        if (status.type === 'disconnect' || status.type === 'reconnect') {
          this.logger.warn({ nats: status.type }, `NATS ${status.type}`);
        }
      }
    })();
  }

  /**
   * Creates the EVENTS stream, or widens its subjects when the catalog gained a service. `replicas`
   * (NATS_STREAM_REPLICAS) is how many servers of a NATS cluster keep it: raised on an existing stream,
   * never lowered (an operator lowers it on purpose, with `nats stream edit`).
   */
  async ensureStream(replicas = 1): Promise<void> {
    const subjects = streamSubjects(this.namespace);
    try {
      const info = await this.jsm.streams.info(this.stream);
      const missing = subjects.filter((s) => !info.config.subjects.includes(s));
      const fewerReplicas = (info.config.num_replicas || 1) < replicas;
      if (missing.length > 0 || fewerReplicas) {
        await this.jsm.streams.update(this.stream, {
          ...info.config,
          subjects: [...info.config.subjects, ...missing],
          ...(fewerReplicas ? { num_replicas: replicas } : {}),
        });
      }
    } catch (error) {
      if (!String(error).includes('stream not found')) throw error;
      try {
        await this.jsm.streams.add({
          name: this.stream,
          subjects,
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          max_age: nanos(STREAM_MAX_AGE_DAYS * 24 * 3600 * 1000),
          duplicate_window: nanos(DUPLICATE_WINDOW_MINUTES * 60 * 1000),
          num_replicas: replicas,
        });
      } catch (addError) {
        // Another service created it between our info and add: fine when it now exists.
        await this.jsm.streams.info(this.stream).catch(() => {
          throw addError;
        });
      }
    }
  }

  /** Publishes a stored event; JetStream drops a second copy with the same id (`Nats-Msg-Id`). */
  async publish(
    subject: string,
    payload: string,
    eventId: string,
    requestId: string | null,
    traceparent: string | null = null,
  ): Promise<void> {
    const h = natsHeaders();
    if (requestId) h.set('Attestor-Request-Id', requestId);
    if (traceparent) h.set('traceparent', traceparent);
    await this.js.publish(subject, payload, { msgID: eventId, headers: h, timeout: 5000 });
  }

  /**
   * The stored events on `filter` published since `since`, oldest first, at most `max` (what a core
   * subscriber missed while it was away: the stream keeps STREAM_MAX_AGE_DAYS). An ordered consumer,
   * deleted when done; `truncated` says the cap was reached before the end.
   */
  async storedSince(
    filter: string,
    since: Date,
    max: number,
  ): Promise<{ messages: Array<{ subject: string; data: Uint8Array }>; truncated: boolean }> {
    const consumer = await this.js.consumers.get(this.stream, {
      filterSubjects: filter,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: since.toISOString(),
    });
    const messages: Array<{ subject: string; data: Uint8Array }> = [];
    let pending = 1;
    try {
      while (pending > 0 && messages.length < max) {
        // A batch ends early at the stream's end (pending 0); with nothing to read, after `expires`.
        const batch = await consumer.fetch({
          max_messages: Math.min(500, max - messages.length),
          expires: 1000,
        });
        let got = 0;
        for await (const message of batch) {
          got += 1;
          messages.push({ subject: message.subject, data: message.data });
          pending = message.info.pending;
          if (pending === 0) break;
        }
        if (got === 0) pending = 0;
      }
    } finally {
      await consumer.delete().catch(() => false);
    }
    return { messages, truncated: pending > 0 };
  }

  /** True when the server answers a round trip within a second: the readiness probe's NATS half. */
  async reachable(timeoutMs = 1000): Promise<boolean> {
    if (this.connection.isClosed()) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      // While disconnected, flush waits for the reconnect: the timeout keeps /ready answering.
      return await Promise.race([
        this.connection.flush().then(
          () => true,
          () => false,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (!this.connection.isClosed()) await this.connection.drain();
  }
}
