import type { EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';

/**
 * The numbers that verified before, per account, by keyed hash only; a row per inquiry so a redaction
 * erases exactly that inquiry's. A number in this set is trusted past open breakers (docs/fraud.md).
 */
export class VerifiedNumberStore extends Store {
  async record(db: EntityManager, accountId: string, phoneHash: string, inquiryId: string, at: Date) {
    await db.query(
      `INSERT INTO ${this.table('verified_numbers')} (account_id, phone_hash, inquiry_id, verified_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [accountId, phoneHash, inquiryId, at],
    );
  }

  async eraseInquiry(db: EntityManager, accountId: string, inquiryId: string): Promise<void> {
    await db.query(
      `DELETE FROM ${this.table('verified_numbers')} WHERE account_id = $1 AND inquiry_id = $2`,
      [accountId, inquiryId],
    );
  }
}
