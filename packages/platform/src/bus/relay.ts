import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { Subscription } from 'nats';
import { normalizeNamespace } from '@attestor/contracts';
import type { NatsBus } from './nats.js';
import { WakeableLoop, type LoopTurn } from '../loop.js';
import { qualified } from '../sql.js';

export interface RelayOptions {
  /** How often to look for rows nobody woke us for (another instance's crash, a NATS outage). */
  pollMs: number;
  batchSize?: number;
  /** Published rows older than this are deleted; JetStream keeps the events. */
  retainPublishedHours?: number;
  /** How long the relay lease lasts without renewal before another instance may take over. */
  leaseMs?: number;
}

interface PendingRow {
  seq: string;
  event_id: string;
  subject: string;
  payload: string;
  request_id: string | null;
  traceparent: string | null;
}

const MAX_BACKOFF_MS = 5000;
const PURGE_EVERY_MS = 10 * 60 * 1000;
const DEFAULT_LEASE_MS = 10_000;

/**
 * Sends outbox rows to JetStream in `seq` order with `Nats-Msg-Id` = event id, then marks them sent.
 * One instance of a service relays at a time: it holds a lease (a row of `outbox_relay`, renewed once
 * half of it has gone by — not on every turn, which cost a committed write before each batch), so the events of a schema leave in `seq` order even with several replicas. No
 * transaction stays open while it publishes: rows are read, published, then marked in short
 * statements. A crash between publish and mark is absorbed by JetStream's de-duplication (the same
 * `Nats-Msg-Id`) and the consumers' inbox. While NATS is unreachable the rows wait and the relay backs off.
 * A replica that commits events without holding the lease wakes the holder with a core NATS message
 * (`<namespace>outbox-wake.<schema>`), so its events leave at once rather than at the holder's next poll.
 */
export class OutboxRelay {
  private readonly table: string;
  private readonly leaseTable: string;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly holder = randomUUID();
  /** Until when (this process's clock) the lease is surely ours: asked-at + half the lease. */
  private surelyLeasedUntil = 0;
  /** Until when another replica is known to hold the lease: a commit here wakes it, not this loop. */
  private followerUntil = 0;
  private readonly wakeSubject: string;
  private wakes: Subscription | undefined;
  private readonly loop: WakeableLoop;
  private backoff = 100;
  private failing = false;
  private lastPurge = 0;
  private lastError: string | null = null;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
    private readonly bus: NatsBus,
    private readonly logger: Logger,
    private readonly options: RelayOptions,
  ) {
    this.table = qualified(schema, 'outbox');
    this.leaseTable = qualified(schema, 'outbox_relay');
    this.batchSize = options.batchSize ?? 100;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.loop = new WakeableLoop('outbox relay', () => this.turn(), logger, MAX_BACKOFF_MS);
    this.wakeSubject = `${normalizeNamespace(bus.namespace)}outbox-wake.${schema.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  }

  start(): void {
    // Another replica's commit: a replica that knows another holds the lease leaves it to that one.
    this.wakes = this.bus.connection.subscribe(this.wakeSubject, {
      callback: () => {
        if (!this.isKnownFollower()) this.loop.wake();
      },
    });
    this.loop.start();
  }

  /**
   * Called after a commit that wrote events: send them now rather than at the next poll — here when
   * this replica holds the lease (or may take it), else by waking the replica that holds it.
   */
  wake(): void {
    if (!this.isKnownFollower()) this.loop.wake();
    if (this.holdsLease()) return;
    try {
      this.bus.connection.publish(this.wakeSubject);
    } catch {
      // NATS closed or unreachable: the holder's poll finds the rows.
    }
  }

  private holdsLease(): boolean {
    return Date.now() < this.surelyLeasedUntil;
  }

  /** This replica's last try found the lease held by another, and waits before trying again. */
  private isKnownFollower(): boolean {
    return Date.now() < this.followerUntil;
  }

  /** True while the relay's last attempt to publish failed (NATS unreachable): `/ready` reports it. */
  get isFailing(): boolean {
    return this.failing;
  }

  get lastFailure(): string | null {
    return this.lastError;
  }

  /** Sends what is pending now; true when nothing is left (used by graceful shutdown and tests). */
  async flush(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const outcome = await this.publishBatch();
        if (
          outcome.failure === undefined &&
          outcome.sent < this.batchSize &&
          (await this.pendingCount()) === 0
        )
          return true;
        if (outcome.failure !== undefined || outcome.sent === 0) await sleep(100);
      } catch {
        await sleep(100);
      }
    }
    return false;
  }

  /** Stops the loop and hands the lease back, so another instance takes over at once. */
  async stop(): Promise<void> {
    this.wakes?.unsubscribe();
    await this.loop.stop();
    this.surelyLeasedUntil = 0;
    await this.dataSource
      .query(`UPDATE ${this.leaseTable} SET until = now() WHERE id = 1 AND holder = $1`, [this.holder])
      .catch(() => undefined);
  }

  async pendingCount(): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM ${this.table} WHERE published_at IS NULL`,
    )) as Array<{ n: number }>;
    return row?.n ?? 0;
  }

  /** Age in seconds of the oldest row not yet published (0 when none): the outbox's lag. */
  async oldestPendingAgeSeconds(): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS age
         FROM ${this.table} WHERE published_at IS NULL`,
    )) as Array<{ age: number }>;
    return row?.age ?? 0;
  }

  private async turn(): Promise<LoopTurn> {
    let outcome: { sent: number; failure?: unknown; leased: boolean };
    try {
      outcome = await this.publishBatch();
    } catch (error) {
      outcome = { sent: 0, failure: error, leased: true };
    }
    if (!outcome.leased) {
      const restMs = Math.min(this.options.pollMs, this.leaseMs / 2);
      this.followerUntil = Date.now() + restMs;
      return { restMs };
    }
    this.followerUntil = 0;
    if (outcome.failure !== undefined && outcome.sent === 0) {
      if (!this.failing)
        this.logger.warn({ err: outcome.failure }, 'outbox relay cannot publish; retrying with backoff');
      this.failing = true;
      this.lastError = String(outcome.failure).slice(0, 500);
      const rest = this.backoff;
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
      return { restMs: rest };
    }
    if (this.failing) this.logger.info('outbox relay publishing again');
    this.failing = false;
    this.lastError = null;
    this.backoff = 100;
    await this.purgeIfDue();
    return outcome.sent >= this.batchSize ? { again: true } : { restMs: this.options.pollMs };
  }

  /**
   * True while the lease is ours: renewed (a committed write) only once half of it has gone by since
   * it was last asked for, so a busy relay does not pay a write before each batch. Half a lease of
   * margin covers the clock difference between this process and the database (which times the lease).
   */
  private async holdLease(): Promise<boolean> {
    if (this.holdsLease()) return true;
    const askedAt = Date.now();
    const held = await this.lease();
    this.surelyLeasedUntil = held ? askedAt + this.leaseMs / 2 : 0;
    return held;
  }

  /** Takes or renews the lease; false while another live instance holds it. */
  private async lease(): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO ${this.leaseTable} AS l (id, holder, until)
       VALUES (1, $1, now() + make_interval(secs => $2))
       ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
         WHERE l.holder = EXCLUDED.holder OR l.until < now()
       RETURNING holder`,
      [this.holder, this.leaseMs / 1000],
    )) as unknown[];
    return rows.length === 1;
  }

  /**
   * One batch under the lease: read, publish, mark what went out. The batch's publishes leave one
   * after another on the one connection (so the stream keeps their order) without waiting for each
   * acknowledgement in turn: a batch costs one round trip to JetStream, not one per event. Only the
   * rows before the first failure are marked; the rest go again (JetStream drops a copy it already
   * has, by `Nats-Msg-Id`).
   */
  private async publishBatch(): Promise<{ sent: number; failure?: unknown; leased: boolean }> {
    if (!(await this.holdLease())) return { sent: 0, leased: false };
    const rows = (await this.dataSource.query(
      `SELECT seq, event_id, subject, payload::text AS payload, request_id, traceparent FROM ${this.table}
        WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
      [this.batchSize],
    )) as PendingRow[];
    const outcomes = await Promise.allSettled(
      rows.map((row) =>
        this.bus.publish(row.subject, row.payload, row.event_id, row.request_id, row.traceparent),
      ),
    );
    const firstFailure = outcomes.findIndex((outcome) => outcome.status === 'rejected');
    const sent = (firstFailure === -1 ? rows : rows.slice(0, firstFailure)).map((row) => row.seq);
    if (sent.length > 0) {
      await this.dataSource.query(
        `UPDATE ${this.table} SET published_at = now() WHERE seq = ANY($1::bigint[])`,
        [sent],
      );
    }
    if (firstFailure === -1) return { sent: sent.length, leased: true };
    const failure = (outcomes[firstFailure] as PromiseRejectedResult).reason as unknown;
    await this.dataSource.query(
      `UPDATE ${this.table} SET attempts = attempts + 1, last_error = $2 WHERE seq = $1`,
      [rows[firstFailure]!.seq, String(failure).slice(0, 500)],
    );
    return { sent: sent.length, failure, leased: true };
  }

  private async purgeIfDue(): Promise<void> {
    if (Date.now() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = Date.now();
    const hours = this.options.retainPublishedHours ?? 24;
    await this.dataSource.query(
      `DELETE FROM ${this.table} WHERE published_at < now() - make_interval(hours => $1)`,
      [hours],
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
