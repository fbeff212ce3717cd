import type { EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';
import type { OutcomeCounts, StatsBucket } from '../domain/stats.js';

interface OutcomeEvent {
  verificationId: string;
  accountId: string;
  countryCode: string;
  at: Date;
  /** Messages sent for the verification so far (the event's sendCount). */
  sendCount: number;
}

/** How a verification's row changed: what the conversion counters add. */
export interface OutcomeChange {
  /** Messages newly counted (sendCount above what was known). */
  newSends: number;
  /** This event is the first to show the verification sent a message. */
  firstSend: boolean;
  /** The verification became approved with this event. */
  newlyVerified: boolean;
}

/**
 * Verification outcomes kept from the phone service's events. Every write is an upsert, so events
 * of one verification may arrive in any order, or at once; a row never changes account.
 * `send_count` only grows.
 */
export class OutcomeStore extends Store {
  private async upsert(
    db: EntityManager,
    event: OutcomeEvent,
    options: { approved: boolean; blocked: boolean; countSends: boolean },
  ): Promise<OutcomeChange> {
    const t = this.table('verification_outcomes');
    // Two events of one verification handled at once would both find no row before them and both
    // count its first send: they take turns (the lock ends with the inbox transaction), and the upsert,
    // a statement of its own, sees what the other committed.
    await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `fraud-outcome:${event.verificationId}`,
    ]);
    const [row] = (await db.query(
      `WITH before AS (
         SELECT send_count, approved_at FROM ${t} WHERE verification_id = $1 AND account_id = $2 FOR UPDATE
       ), written AS (
         INSERT INTO ${t} AS o (verification_id, account_id, country_code, started_at, approved_at, blocked, send_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (verification_id) DO UPDATE SET
           started_at = LEAST(o.started_at, EXCLUDED.started_at),
           approved_at = COALESCE(o.approved_at, EXCLUDED.approved_at),
           blocked = o.blocked OR EXCLUDED.blocked,
           send_count = GREATEST(o.send_count, EXCLUDED.send_count)
         WHERE o.account_id = EXCLUDED.account_id
         RETURNING send_count, approved_at
       )
       SELECT (SELECT send_count FROM before) AS before_sends, (SELECT approved_at FROM before) AS before_approved,
              (SELECT send_count FROM written) AS sends, (SELECT approved_at FROM written) AS approved`,
      [
        event.verificationId,
        event.accountId,
        event.countryCode,
        event.at,
        options.approved ? event.at : null,
        options.blocked,
        options.countSends ? event.sendCount : 0,
      ],
    )) as Array<{
      before_sends: number | null;
      before_approved: Date | null;
      sends: number | null;
      approved: Date | null;
    }>;
    if (!row || row.sends === null) return { newSends: 0, firstSend: false, newlyVerified: false };
    return {
      newSends: Math.max(0, row.sends - (row.before_sends ?? 0)),
      firstSend: (row.before_sends ?? 0) === 0 && row.sends > 0,
      newlyVerified: row.approved !== null && row.before_approved === null,
    };
  }

  /** started / resent / expired / canceled: the messages sent so far. */
  sent(db: EntityManager, event: OutcomeEvent): Promise<OutcomeChange> {
    return this.upsert(db, event, { approved: false, blocked: false, countSends: true });
  }

  approved(db: EntityManager, event: OutcomeEvent): Promise<OutcomeChange> {
    return this.upsert(db, event, { approved: true, blocked: false, countSends: true });
  }

  /** A fraud block sent nothing: its sendCount is not counted (the sends before it already were). */
  blocked(db: EntityManager, event: OutcomeEvent): Promise<OutcomeChange> {
    return this.upsert(db, event, { approved: false, blocked: true, countSends: false });
  }

  /**
   * Per country (and bucket of first sight), verifications first seen at or after `since` (all when
   * null): started = every verification; sent = messages of those not blocked; verified = approved.
   */
  async counts(
    db: EntityManager,
    accountId: string,
    since: Date | null,
    bucket: StatsBucket | null,
  ): Promise<OutcomeCounts[]> {
    const bucketSql =
      bucket === null
        ? 'NULL::timestamptz'
        : `date_trunc('${bucket === 'HOUR' ? 'hour' : 'day'}', started_at, 'UTC')`;
    const rows = (await db.query(
      `SELECT country_code, ${bucketSql} AS bucket_start,
              count(*)::int AS started,
              coalesce(sum(send_count) FILTER (WHERE NOT blocked), 0)::int AS sent,
              count(approved_at)::int AS verified,
              count(*) FILTER (WHERE blocked)::int AS blocked,
              count(*) FILTER (WHERE NOT blocked AND (send_count > 0 OR approved_at IS NOT NULL))::int AS sent_verifications
         FROM ${this.table('verification_outcomes')}
        WHERE account_id = $1 AND ($2::timestamptz IS NULL OR started_at >= $2)
        GROUP BY 1, 2`,
      [accountId, since],
    )) as Array<{
      country_code: string;
      bucket_start: Date | null;
      started: number;
      sent: number;
      verified: number;
      blocked: number;
      sent_verifications: number;
    }>;
    return rows.map((row) => ({
      countryCode: row.country_code,
      bucketStart: row.bucket_start,
      started: row.started,
      sent: row.sent,
      verified: row.verified,
      blocked: row.blocked,
      sentVerifications: row.sent_verifications,
    }));
  }
}
