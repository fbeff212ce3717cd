import type { Logger } from 'pino';
import { PeriodicWorker, type Clock, type Outbox, type Worker } from '@attestor/platform';
import { expirableStatuses } from '../domain/lifecycle.js';
import type { InquiryStore } from '../store/inquiries.js';
import type { Inquiries } from './inquiries.js';
import type { Lifecycle } from './lifecycle.js';

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
  private readonly worker: PeriodicWorker;
  private stopped = false;

  constructor(
    private readonly deps: {
      inquiryStore: InquiryStore;
      lifecycle: Lifecycle;
      outbox: Outbox;
      inquiries: Inquiries;
      clock: Clock;
      logger: Logger;
    },
    private readonly options: ExpirySweeperOptions,
  ) {
    this.worker = new PeriodicWorker({
      name: this.name,
      intervalMs: options.intervalMs,
      logger: deps.logger,
      runAtStart: false,
      run: async () => {
        const expired = await this.sweep();
        if (expired > 0) deps.logger.info({ expired }, 'inquiries expired');
        await deps.inquiries.purgeIdempotencyKeys();
      },
    });
  }

  start(): void {
    this.stopped = false;
    this.worker.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.worker.stop();
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
    const { inquiryStore, lifecycle, outbox, clock } = this.deps;
    const now = clock.now();
    return outbox.transaction(async (tx) => {
      const due = await inquiryStore.lockExpired(tx.manager, expirableStatuses, now, this.options.batchSize);
      for (const inquiry of due) {
        await lifecycle.apply(
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
