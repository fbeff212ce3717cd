import type { EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';
import type { NumberFacts } from '../domain/rules.js';

/** The Lookup cache, keyed by the number's keyed hash. It holds no number and no account data. */
export class LookupCache extends Store {
  /** The cached facts when fetched less than `maxAgeHours` ago. */
  async fresh(db: EntityManager, phoneHash: string, maxAgeHours: number): Promise<NumberFacts | undefined> {
    const [row] = (await db.query(
      `SELECT result FROM ${this.table('lookups')}
        WHERE phone_hash = $1 AND fetched_at > now() - make_interval(hours => $2)`,
      [phoneHash, maxAgeHours],
    )) as Array<{ result: NumberFacts }>;
    return row?.result;
  }

  async store(db: EntityManager, phoneHash: string, facts: NumberFacts): Promise<void> {
    await db.query(
      `INSERT INTO ${this.table('lookups')} (phone_hash, result, fetched_at) VALUES ($1, $2, now())
       ON CONFLICT (phone_hash) DO UPDATE SET result = EXCLUDED.result, fetched_at = EXCLUDED.fetched_at`,
      [phoneHash, JSON.stringify(facts)],
    );
  }

  async forget(db: EntityManager, phoneHashes: string[]): Promise<void> {
    if (phoneHashes.length === 0) return;
    await db.query(`DELETE FROM ${this.table('lookups')} WHERE phone_hash = ANY($1::text[])`, [phoneHashes]);
  }
}
