import type { Outbox, RequestContext, Worker } from '@attestor/platform';
import { transition } from './domain/verification.js';
import { publishStatusChange } from './events.js';
import { verificationStore } from './store/verifications.js';

type Logger = RequestContext['logger'];

/** Rows taken per transaction: small enough to keep locks short, large enough to catch up quickly. */
const BATCH_SIZE = 100;

/**
 * Marks PENDING verifications past their deadline EXPIRED and publishes `phone.verification.expired`,
 * so the inquiry learns of a code nobody entered. Rows are taken with FOR UPDATE SKIP LOCKED: several
 * instances sweep side by side without taking the same row, and a row a check holds is left for later.
 */
export class ExpirySweeper implements Worker {
  readonly name = 'phone verification expiry sweeper';
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sweep until nothing is left to expire; returns how many verifications it expired. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.outbox.transaction(async (tx) => {
        const rows = await verificationStore.lockExpired(tx.manager, this.now(), BATCH_SIZE);
        for (const record of rows) {
          record.status = transition(record.status, 'EXPIRED');
          record.statusReason = null;
          await verificationStore.update(tx.manager, record);
          await publishStatusChange(tx, record);
        }
        return rows.length;
      });
      total += expired;
      if (expired < BATCH_SIZE) return total;
    }
  }

  private tick(): void {
    if (this.running !== undefined) return; // the previous sweep is still at work
    this.running = this.sweep()
      .then((expired) => {
        if (expired > 0) this.logger.info({ expired }, 'expired pending phone verifications');
      })
      .catch((error: unknown) => this.logger.error({ err: error }, 'expiry sweep failed'))
      .finally(() => {
        this.running = undefined;
      });
  }
}
