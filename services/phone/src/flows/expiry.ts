import type { Logger } from 'pino';
import { PeriodicWorker, type Clock, type Outbox } from '@attestor/platform';
import { expirableStatuses, transition } from '../domain/verification.js';
import { publishVerificationEvent } from '../events.js';
import type { PhoneVerificationStore } from '../store/verifications.js';

/** Rows taken per transaction: small enough to keep locks short, large enough to catch up quickly. */
const BATCH_SIZE = 100;

/**
 * Ends active verifications past their deadline EXPIRED and publishes `phone.verification.expired`,
 * so the inquiry learns of a code nobody entered. Rows are taken with FOR UPDATE SKIP LOCKED and
 * those a request has claimed are left alone, so several instances sweep side by side. No network I/O.
 */
export async function sweepExpired(deps: {
  outbox: Outbox;
  store: PhoneVerificationStore;
  clock: Clock;
}): Promise<number> {
  let total = 0;
  for (;;) {
    const expired = await deps.outbox.transaction(async (tx) => {
      const rows = await deps.store.lockExpired(tx.manager, deps.clock.now(), BATCH_SIZE, expirableStatuses);
      for (const row of rows) {
        const record = { ...row, status: transition(row.status, 'EXPIRED', 'expired'), challenge: null };
        await deps.store.update(tx.manager, record);
        await publishVerificationEvent(tx, 'expired', record);
      }
      return rows.length;
    });
    total += expired;
    if (expired < BATCH_SIZE) return total;
  }
}

export function expiryWorker(
  deps: { outbox: Outbox; store: PhoneVerificationStore; clock: Clock; logger: Logger },
  intervalMs: number,
): PeriodicWorker {
  return new PeriodicWorker({
    name: 'phone verification expiry sweeper',
    intervalMs,
    logger: deps.logger,
    run: async () => {
      const expired = await sweepExpired(deps);
      if (expired > 0) deps.logger.info({ expired }, 'expired phone verifications');
    },
  });
}
