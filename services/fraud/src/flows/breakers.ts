import {
  notFound,
  PeriodicWorker,
  type Clock,
  type Logger,
  type Outbox,
  type Worker,
} from '@attestor/platform';
import { isUuid } from '@attestor/contracts';
import { publishBreakerClosed } from '../events.js';
import type { BreakerRow, BreakerStore } from '../store/breakers.js';

/** The breakers as operators see them: list, close by hand, and the sweep that ends cooling periods. */
export class Breakers {
  constructor(private readonly deps: { store: BreakerStore; outbox: Outbox; clock: Clock }) {}

  list(accountId: string, open: boolean | null): Promise<BreakerRow[]> {
    const { store, clock } = this.deps;
    return store.list(store.reader, accountId, open, clock.now());
  }

  /** Closes an open breaker of the account; an unknown, foreign or already closed id is NOT_FOUND. */
  async close(accountId: string, id: string, requestId: string | null): Promise<BreakerRow> {
    const { store, outbox, clock } = this.deps;
    if (!isUuid(id)) throw notFound('Open fraud breaker');
    return outbox.transaction(
      async (tx) => {
        const closed = await store.closeByOperator(tx.manager, accountId, id, clock.now());
        if (!closed) throw notFound('Open fraud breaker');
        await publishBreakerClosed(tx, closed);
        return closed;
      },
      { requestId },
    );
  }

  /** Closes every breaker whose cooling ended, a batch per transaction; safe on several replicas. */
  async sweep(batch = 100): Promise<number> {
    const { store, outbox, clock } = this.deps;
    let total = 0;
    for (;;) {
      const closed = await outbox.transaction(async (tx) => {
        const rows = await store.closeCooled(tx.manager, clock.now(), { limit: batch });
        for (const row of rows) await publishBreakerClosed(tx, row);
        return rows.length;
      });
      total += closed;
      if (closed < batch) return total;
    }
  }

  sweeper(intervalMs: number, logger: Logger): Worker {
    return new PeriodicWorker({
      name: 'fraud breaker sweeper',
      intervalMs,
      logger,
      run: async () => {
        await this.sweep();
      },
    });
  }
}
