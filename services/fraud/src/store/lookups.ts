import type { EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';
import type { NumberFacts } from '../domain/rules.js';

/**
 * The Lookup cache, keyed by the number's keyed hash. It holds no number and no account data. A row
 * with no result yet is a claim: the instance that holds it is asking Lookup, and the others wait for
 * its answer instead of asking again (one lookup per number per TTL across every instance).
 */
export class LookupCache extends Store {
  /**
   * One round trip for the two common cases: the cached facts when fetched after `freshAfter`, or —
   * for a number never seen — the claim to ask Lookup (a new row, no answer yet). `claimed` is false and
   * `facts` undefined when a row exists without a fresh answer: then `claim` decides.
   */
  async freshOrClaimNew(
    db: EntityManager,
    phoneHash: string,
    freshAfter: Date,
    until: Date,
  ): Promise<{ facts: NumberFacts | undefined; claimed: boolean }> {
    // The read sees the table as it was before the insert: a new row is never read back as an answer.
    const [row] = (await db.query(
      `WITH new_claim AS (
         INSERT INTO ${this.table('lookups')} (phone_hash, claimed_until) VALUES ($1, $3)
         ON CONFLICT (phone_hash) DO NOTHING RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM new_claim) AS claimed,
              (SELECT result FROM ${this.table('lookups')}
                WHERE phone_hash = $1 AND result IS NOT NULL AND fetched_at > $2) AS result`,
      [phoneHash, freshAfter, until],
    )) as Array<{ claimed: boolean; result: NumberFacts | null }>;
    return { facts: row?.result ?? undefined, claimed: row?.claimed === true };
  }

  /**
   * Claims the right to ask Lookup about a number already in the cache until `until`: true when this
   * caller holds it — no fresh answer is cached and no other claim is running.
   */
  async claim(
    db: EntityManager,
    phoneHash: string,
    freshAfter: Date,
    now: Date,
    until: Date,
  ): Promise<boolean> {
    const rows = (await db.query(
      `INSERT INTO ${this.table('lookups')} AS l (phone_hash, claimed_until) VALUES ($1, $4)
       ON CONFLICT (phone_hash) DO UPDATE SET claimed_until = EXCLUDED.claimed_until
        WHERE (l.result IS NULL OR l.fetched_at <= $2) AND (l.claimed_until IS NULL OR l.claimed_until <= $3)
       RETURNING 1`,
      [phoneHash, freshAfter, now, until],
    )) as unknown[];
    return rows.length > 0;
  }

  async store(db: EntityManager, phoneHash: string, facts: NumberFacts, at: Date): Promise<void> {
    await db.query(
      `INSERT INTO ${this.table('lookups')} (phone_hash, result, fetched_at) VALUES ($1, $2, $3)
       ON CONFLICT (phone_hash) DO UPDATE
         SET result = EXCLUDED.result, fetched_at = EXCLUDED.fetched_at, claimed_until = NULL`,
      [phoneHash, JSON.stringify(facts), at],
    );
  }

  /** Gives a claim up after a failed Lookup: nothing is cached, the next ask may try again. */
  async release(db: EntityManager, phoneHash: string): Promise<void> {
    await db.query(`DELETE FROM ${this.table('lookups')} WHERE phone_hash = $1 AND result IS NULL`, [
      phoneHash,
    ]);
    await db.query(`UPDATE ${this.table('lookups')} SET claimed_until = NULL WHERE phone_hash = $1`, [
      phoneHash,
    ]);
  }

  async forget(db: EntityManager, phoneHashes: string[]): Promise<void> {
    if (phoneHashes.length === 0) return;
    await db.query(`DELETE FROM ${this.table('lookups')} WHERE phone_hash = ANY($1::text[])`, [phoneHashes]);
  }
}
