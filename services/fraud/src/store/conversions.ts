import type { EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';
import type { Conversion, CountedScope } from '../domain/breaker.js';

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
}

/** Sent and verified messages per account key and bucket: what the conversion breakers read. */
export class ConversionStore extends Store {
  async add(
    db: EntityManager,
    accountId: string,
    keys: readonly ConversionKey[],
    at: Date,
    counts: { sent: number; verified: number },
  ): Promise<void> {
    if (keys.length === 0 || (counts.sent === 0 && counts.verified === 0)) return;
    await db.query(
      `INSERT INTO ${this.table('conversions')} AS c (account_id, scope, key, bucket_start, sent, verified)
       SELECT $1, k.scope, k.key, $4, $5, $6 FROM unnest($2::text[], $3::text[]) AS k(scope, key)
       ON CONFLICT (account_id, scope, key, bucket_start)
       DO UPDATE SET sent = c.sent + EXCLUDED.sent, verified = c.verified + EXCLUDED.verified`,
      [
        accountId,
        keys.map((k) => k.scope),
        keys.map((k) => k.key),
        bucketOf(at),
        counts.sent,
        counts.verified,
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

  /**
   * Sent and verified in the last hour and day (as of `now`; where an operator closed a key's breaker,
   * only what came after) and whether each key ever verified; one row per key asked.
   */
  async read(
    db: EntityManager,
    accountId: string,
    keys: readonly ConversionKey[],
    now: Date,
  ): Promise<StoredConversion[]> {
    if (keys.length === 0) return [];
    const rows = (await db.query(
      `WITH k AS (
         SELECT k.scope, k.key,
                (SELECT max(b.closed_at) FROM ${this.table('breakers')} b
                  WHERE b.account_id = $1 AND b.scope = k.scope AND b.key = k.key AND b.closed_by = 'OPERATOR') AS reset_at
           FROM unnest($2::text[], $3::text[]) AS k(scope, key)
       )
       SELECT k.scope, k.key, k.reset_at,
              coalesce(sum(c.sent) FILTER (WHERE c.bucket_start > $4::timestamptz - interval '1 hour'), 0)::int AS hour_sent,
              coalesce(sum(c.verified) FILTER (WHERE c.bucket_start > $4::timestamptz - interval '1 hour'), 0)::int AS hour_verified,
              coalesce(sum(c.sent), 0)::int AS day_sent,
              coalesce(sum(c.verified), 0)::int AS day_verified,
              EXISTS (SELECT 1 FROM ${this.table('verified_keys')} v
                       WHERE v.account_id = $1 AND v.scope = k.scope AND v.key = k.key) AS ever_verified
         FROM k
         LEFT JOIN ${this.table('conversions')} c
           ON c.account_id = $1 AND c.scope = k.scope AND c.key = k.key
          AND c.bucket_start > $4::timestamptz - interval '24 hours' AND c.bucket_start <= $4
          AND (k.reset_at IS NULL OR c.bucket_start >= k.reset_at)
        GROUP BY k.scope, k.key, k.reset_at`,
      [accountId, keys.map((k) => k.scope), keys.map((k) => k.key), now],
    )) as Array<{
      scope: CountedScope;
      key: string;
      hour_sent: number;
      hour_verified: number;
      day_sent: number;
      day_verified: number;
      ever_verified: boolean;
    }>;
    return rows.map((row) => ({
      scope: row.scope,
      key: row.key,
      hour: { sent: row.hour_sent, verified: row.hour_verified },
      day: { sent: row.day_sent, verified: row.day_verified },
      everVerified: row.ever_verified,
    }));
  }

  /** Whether the account ever had a verified send (any key). */
  async accountEverVerified(db: EntityManager, accountId: string): Promise<boolean> {
    const rows = (await db.query(
      `SELECT 1 FROM ${this.table('verified_keys')} WHERE account_id = $1 AND scope = 'ACCOUNT' LIMIT 1`,
      [accountId],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Drops buckets older than the longest window (plus a day of slack). */
  async prune(db: EntityManager, now: Date): Promise<void> {
    await db.query(
      `DELETE FROM ${this.table('conversions')} WHERE bucket_start < $1::timestamptz - interval '48 hours'`,
      [now],
    );
  }
}
