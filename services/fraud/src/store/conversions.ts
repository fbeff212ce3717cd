import type { EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';
import type { Conversion, CountedScope, RecentSolved } from '../domain/breaker.js';

/** A key the conversions are counted under: (scope, key) of one account. */
export interface ConversionKey {
  scope: CountedScope;
  key: string;
}

/** Counted in 5-minute buckets, so the rolling windows are exact to 5 minutes. */
export const BUCKET_MINUTES = 5;

export function bucketOf(at: Date): Date {
  const size = BUCKET_MINUTES * 60_000;
  return new Date(Math.floor(at.getTime() / size) * size);
}

export interface StoredConversion extends ConversionKey {
  hour: Conversion;
  day: Conversion;
  everVerified: boolean;
  recentSolved: RecentSolved;
}

/** Sent and verified messages per account key and bucket: what the conversion breakers read. */
export class ConversionStore extends Store {
  async add(
    db: EntityManager,
    accountId: string,
    keys: readonly ConversionKey[],
    at: Date,
    /** `solved`: the verification's first message went out on a passed challenge (counted apart too). */
    counts: { sent: number; verified: number; solved: boolean },
  ): Promise<void> {
    if (keys.length === 0 || (counts.sent === 0 && counts.verified === 0)) return;
    const solved = counts.solved ? 1 : 0;
    await db.query(
      `INSERT INTO ${this.table('conversions')} AS c
              (account_id, scope, key, bucket_start, sent, verified, solved_sent, solved_verified)
       SELECT $1, k.scope, k.key, $4, $5, $6, $7, $8 FROM unnest($2::text[], $3::text[]) AS k(scope, key)
       ON CONFLICT (account_id, scope, key, bucket_start)
       DO UPDATE SET sent = c.sent + EXCLUDED.sent, verified = c.verified + EXCLUDED.verified,
                     solved_sent = c.solved_sent + EXCLUDED.solved_sent,
                     solved_verified = c.solved_verified + EXCLUDED.solved_verified`,
      [
        accountId,
        keys.map((k) => k.scope),
        keys.map((k) => k.key),
        bucketOf(at),
        counts.sent,
        counts.verified,
        counts.sent * solved,
        counts.verified * solved,
      ],
    );
    if (counts.verified > 0) {
      await db.query(
        `INSERT INTO ${this.table('verified_keys')} (account_id, scope, key)
         SELECT $1, k.scope, k.key FROM unnest($2::text[], $3::text[]) AS k(scope, key) ON CONFLICT DO NOTHING`,
        [accountId, keys.map((k) => k.scope), keys.map((k) => k.key)],
      );
    }
  }

  /** Drops buckets older than the longest window (plus a day of slack). */
  async prune(db: EntityManager, now: Date): Promise<void> {
    await db.query(
      `DELETE FROM ${this.table('conversions')} WHERE bucket_start < $1::timestamptz - interval '48 hours'`,
      [now],
    );
  }
}
