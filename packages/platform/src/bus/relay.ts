import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { NatsBus } from './nats.js';
import { qualified } from '../sql.js';

export interface RelayOptions {
  /** How often to look for rows nobody woke us for (another instance's crash, a NATS outage). */
  pollMs: number;
  batchSize?: number;
  /** Published rows older than this are deleted; JetStream keeps the events. */
  retainPublishedHours?: number;
}

interface PendingRow {
  seq: string;
  event_id: string;
  subject: string;
  payload: string;
  request_id: string | null;
}

const MAX_BACKOFF_MS = 5000;
const PURGE_EVERY_MS = 10 * 60 * 1000;

/**
 * Sends outbox rows to JetStream in commit order with `Nats-Msg-Id` = event id, then marks them sent.
 * Rows are claimed with `FOR UPDATE SKIP LOCKED`, so several instances share the work without sending
 * a row twice at once; a crash between send and mark is absorbed by JetStream's de-duplication and the
 * consumers' inbox. While NATS is unreachable the rows wait and the relay backs off.
 */
export class OutboxRelay {
  private readonly table: string;
  private readonly batchSize: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;
  private failing = false;
  private lastPurge = 0;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
    private readonly bus: NatsBus,
    private readonly logger: Logger,
    private readonly options: RelayOptions,
  ) {
    this.table = qualified(schema, 'outbox');
    this.batchSize = options.batchSize ?? 100;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Called after a commit that wrote events: send them now rather than at the next poll. */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /** Sends what is pending now; true when nothing is left (used by graceful shutdown and tests). */
  async flush(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const { sent, failure } = await this.publishBatch();
        if (failure !== undefined) throw failure;
        if (sent < this.batchSize && (await this.pendingCount()) === 0) return true;
      } catch {
        await sleep(100);
      }
    }
    return false;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  async pendingCount(): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM ${this.table} WHERE published_at IS NULL`,
    )) as Array<{ n: number }>;
    return row?.n ?? 0;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      let sent: number;
      try {
        const batch = await this.publishBatch();
        if (batch.failure !== undefined && batch.sent === 0) throw batch.failure;
        sent = batch.sent;
        if (this.failing) this.logger.info('outbox relay publishing again');
        this.failing = false;
        backoff = 100;
        await this.purgeIfDue();
      } catch (error) {
        if (!this.failing)
          this.logger.warn({ err: error }, 'outbox relay cannot publish; retrying with backoff');
        this.failing = true;
        await this.idle(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      if (sent < this.batchSize) await this.idle(this.options.pollMs);
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.pendingWake = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /** One claimed batch: publish in order, stop at the first failure, mark what went out. */
  private async publishBatch(): Promise<{ sent: number; failure?: unknown }> {
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `SELECT seq, event_id, subject, payload::text AS payload, request_id FROM ${this.table}
          WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      )) as PendingRow[];
      const sent: string[] = [];
      let failure: unknown;
      for (const row of rows) {
        try {
          await this.bus.publish(row.subject, row.payload, row.event_id, row.request_id);
          sent.push(row.seq);
        } catch (error) {
          failure = error;
          await manager.query(
            `UPDATE ${this.table} SET attempts = attempts + 1, last_error = $2 WHERE seq = $1`,
            [row.seq, String(error).slice(0, 500)],
          );
          break;
        }
      }
      if (sent.length > 0) {
        await manager.query(`UPDATE ${this.table} SET published_at = now() WHERE seq = ANY($1::bigint[])`, [
          sent,
        ]);
      }
      return failure === undefined ? { sent: sent.length } : { sent: sent.length, failure };
    });
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
