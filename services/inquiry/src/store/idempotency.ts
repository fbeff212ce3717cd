import { LessThan, type EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';
import { IdempotencyKeyEntity } from './entities.js';

export interface IdempotencyClaim {
  inquiryId: string;
  requestHash: string;
}

/** createInquiry's idempotency keys: which inquiry a key created, for which input. */
export class IdempotencyStore extends Store {
  /**
   * Claims `key` for `claim.inquiryId`, or returns the claim that holds it. The insert waits on a
   * concurrent claim of the same key until that transaction ends; a claim older than `expiredBefore`
   * is taken over.
   */
  async claim(
    db: EntityManager,
    accountId: string,
    key: string,
    claim: IdempotencyClaim,
    now: Date,
    expiredBefore: Date,
  ): Promise<IdempotencyClaim> {
    const table = this.table('idempotency_keys');
    const claimed = (await db.query(
      `INSERT INTO ${table} (account_id, key, request_hash, inquiry_id, created_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, inquiry_id = EXCLUDED.inquiry_id, created_at = EXCLUDED.created_at
         WHERE ${table}.created_at < $6
       RETURNING inquiry_id`,
      [accountId, key, claim.requestHash, claim.inquiryId, now, expiredBefore],
    )) as unknown[];
    if (claimed.length === 1) return claim;
    const [holder] = (await db.query(
      `SELECT inquiry_id, request_hash FROM ${table} WHERE account_id = $1 AND key = $2`,
      [accountId, key],
    )) as Array<{ inquiry_id: string; request_hash: string }>;
    if (!holder) throw new Error('idempotency key vanished while it was being claimed');
    return { inquiryId: holder.inquiry_id, requestHash: holder.request_hash };
  }

  /** Drops keys claimed before `before`; returns how many. */
  async purge(db: EntityManager, before: Date): Promise<number> {
    const result = await db.getRepository(IdempotencyKeyEntity).delete({ createdAt: LessThan(before) });
    return result.affected ?? 0;
  }
}
