import type { EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';

export interface CountryStats {
  countryCode: string;
  sent: number;
  verified: number;
  blocked: number;
  conversionRate: number | null;
}

interface OutcomeEvent {
  verificationId: string;
  accountId: string;
  countryCode: string;
  at: Date;
}

/**
 * Verification outcomes kept from the phone service's events. Every write is an upsert, so events
 * of one verification may arrive in any order; a row never changes account.
 */
export class OutcomeStore extends Store {
  private upsert(
    manager: EntityManager,
    event: OutcomeEvent,
    set: string,
    approvedAt: Date | null,
    blocked: boolean,
  ) {
    return manager.query(
      `INSERT INTO ${this.table('verification_outcomes')} AS o (verification_id, account_id, country_code, started_at, approved_at, blocked)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (verification_id) DO UPDATE SET ${set}
       WHERE o.account_id = EXCLUDED.account_id`,
      [event.verificationId, event.accountId, event.countryCode, event.at, approvedAt, blocked],
    );
  }

  started(manager: EntityManager, event: OutcomeEvent): Promise<unknown> {
    return this.upsert(manager, event, 'started_at = LEAST(o.started_at, EXCLUDED.started_at)', null, false);
  }

  approved(manager: EntityManager, event: OutcomeEvent): Promise<unknown> {
    return this.upsert(
      manager,
      event,
      'approved_at = COALESCE(o.approved_at, EXCLUDED.approved_at)',
      event.at,
      false,
    );
  }

  blocked(manager: EntityManager, event: OutcomeEvent): Promise<unknown> {
    return this.upsert(manager, event, 'blocked = true', null, true);
  }

  /**
   * Per country, verifications first seen at or after `since` (all when null): sent = not blocked,
   * verified = approved, blocked = blocked by fraud; conversionRate = verified / sent, null when none sent.
   */
  async statsByCountry(db: EntityManager, accountId: string, since: Date | null): Promise<CountryStats[]> {
    const rows = (await db.query(
      `SELECT country_code,
              count(*) FILTER (WHERE NOT blocked)::int AS sent,
              count(approved_at)::int AS verified,
              count(*) FILTER (WHERE blocked)::int AS blocked
         FROM ${this.table('verification_outcomes')}
        WHERE account_id = $1 AND ($2::timestamptz IS NULL OR started_at >= $2)
        GROUP BY country_code
        ORDER BY country_code`,
      [accountId, since],
    )) as Array<{ country_code: string; sent: number; verified: number; blocked: number }>;
    return rows.map((row) => ({
      countryCode: row.country_code,
      sent: row.sent,
      verified: row.verified,
      blocked: row.blocked,
      conversionRate: row.sent === 0 ? null : row.verified / row.sent,
    }));
  }
}
