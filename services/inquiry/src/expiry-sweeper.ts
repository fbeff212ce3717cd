import { In, LessThanOrEqual, type DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { Outbox, Worker } from '@attestor/platform';
import { expirableStatuses } from './domain/lifecycle.js';
import { InquiryEntity } from './store/entities.js';
import { applyTransition } from './transitions.js';
import type { Clock } from './clock.js';
import type { Inquiries } from './inquiries.js';

export interface ExpirySweeperOptions {
  intervalMs: number;
  batchSize: number;
}

/**
 * Expires unfinished inquiries whose `expiresAt` has passed. Each batch is claimed with
 * `FOR UPDATE SKIP LOCKED`, so several instances sweep side by side and each inquiry expires once.
 * It also drops idempotency keys past their replay window.
 */
export class ExpirySweeper implements Worker {
  readonly name = 'inquiry expiry sweeper';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly inquiries: Inquiries,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: ExpirySweeperOptions,
  ) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule());
    }, this.options.intervalMs);
  }

  private async tick(): Promise<void> {
    try {
      const expired = await this.sweep();
      if (expired > 0) this.logger.info({ expired }, 'inquiries expired');
      await this.inquiries.purgeIdempotencyKeys();
    } catch (error) {
      this.logger.error({ err: error }, 'expiry sweep failed; retrying at the next tick');
    }
  }

  /** Expires every due inquiry, a batch per transaction; returns how many this instance expired. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.sweepBatch();
      total += expired;
      if (expired < this.options.batchSize || this.stopped) return total;
    }
  }

  private sweepBatch(): Promise<number> {
    const now = this.clock.now();
    return this.outbox.transaction(async (tx) => {
      const due = await tx.manager.getRepository(InquiryEntity).find({
        where: { status: In([...expirableStatuses]), expiresAt: LessThanOrEqual(now) },
        order: { expiresAt: 'ASC' },
        take: this.options.batchSize,
        lock: { mode: 'pessimistic_write', onLocked: 'skip_locked' },
      });
      for (const inquiry of due) {
        await applyTransition(
          tx,
          inquiry,
          { to: 'EXPIRED', cause: 'expired', reason: 'expiresAt passed' },
          now,
        );
      }
      return due.length;
    });
  }
}
