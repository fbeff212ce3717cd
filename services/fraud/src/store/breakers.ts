import type { EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';
import type { BreakerScope, CountedScope, OpenBreaker } from '../domain/breaker.js';
import type { ConversionKey } from './conversions.js';

export interface BreakerRow {
  id: string;
  accountId: string;
  scope: BreakerScope;
  key: string;
  label: string;
  reason: string;
  unverifiedSends: number;
  threshold: number;
  openedAt: Date;
  closesAt: Date;
  closedAt: Date | null;
  closedBy: 'COOLING' | 'OPERATOR' | null;
}

export interface RawBreaker {
  id: string;
  account_id: string;
  scope: BreakerScope;
  key: string;
  label: string;
  reason: string;
  unverified_sends: number;
  threshold: number;
  opened_at: Date;
  closes_at: Date;
  closed_at: Date | null;
  closed_by: 'COOLING' | 'OPERATOR' | null;
}

export const breakerOf = (r: RawBreaker): BreakerRow => ({
  id: r.id,
  accountId: r.account_id,
  scope: r.scope,
  key: r.key,
  label: r.label,
  reason: r.reason,
  unverifiedSends: r.unverified_sends,
  threshold: r.threshold,
  openedAt: r.opened_at,
  closesAt: r.closes_at,
  closedAt: r.closed_at,
  closedBy: r.closed_by,
});

/** What the decision reads about the breakers of a send's keys. */
export interface BreakerState {
  open: OpenBreaker[];
  /** Per key (`scope:key`), openings in the last 24 h: the escalation of the next cooling period. */
  recentOpenings: Map<string, number>;
}

/** What the decision needs from a send's keys' breakers (rows of the last 24 h and any still open). */
export function breakerStateOf(rows: readonly BreakerRow[], now: Date): BreakerState {
  const state: BreakerState = { open: [], recentOpenings: new Map() };
  for (const row of rows) {
    const key = `${row.scope}:${row.key}`;
    if (row.openedAt.getTime() > now.getTime() - 86_400_000) {
      state.recentOpenings.set(key, (state.recentOpenings.get(key) ?? 0) + 1);
    }
    if (row.closedAt === null && row.closesAt > now) {
      state.open.push({
        id: row.id,
        scope: row.scope as CountedScope,
        key: row.key,
        label: row.label,
        threshold: row.threshold,
        unverifiedSends: row.unverifiedSends,
        closesAt: row.closesAt,
      });
    }
  }
  return state;
}

/** The conversion breakers: at most one open per (account, scope, key), enforced by a unique index. */
export class BreakerStore extends Store {
  /** Opens a breaker unless one is open on its key (another replica was first): the row, or null. */
  async open(db: EntityManager, row: BreakerRow): Promise<BreakerRow | null> {
    const [inserted] = (await db.query(
      `INSERT INTO ${this.table('breakers')} (id, account_id, scope, key, label, reason, unverified_sends, threshold,
                                             opened_at, closes_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (account_id, scope, key) WHERE closed_at IS NULL DO NOTHING
       RETURNING *`,
      [
        row.id,
        row.accountId,
        row.scope,
        row.key,
        row.label,
        row.reason,
        row.unverifiedSends,
        row.threshold,
        row.openedAt,
        row.closesAt,
      ],
    )) as RawBreaker[];
    return inserted ? breakerOf(inserted) : null;
  }

  /** Closes breakers whose cooling ended (of one account's keys, or any, `limit` at a time). */
  async closeCooled(
    db: EntityManager,
    now: Date,
    options: { accountId?: string; keys?: readonly ConversionKey[]; limit: number },
  ): Promise<BreakerRow[]> {
    const rows = (await db.query(
      `WITH due AS (
         SELECT id FROM ${this.table('breakers')}
          WHERE closed_at IS NULL AND closes_at <= $1
            AND ($2::text IS NULL OR account_id = $2)
            AND ($3::text[] IS NULL OR (scope, key) IN (SELECT * FROM unnest($3::text[], $4::text[])))
          ORDER BY closes_at LIMIT $5
          FOR UPDATE SKIP LOCKED
       ), closed AS (
         UPDATE ${this.table('breakers')} b SET closed_at = b.closes_at, closed_by = 'COOLING'
           FROM due WHERE b.id = due.id RETURNING b.*
       ) SELECT * FROM closed`,
      [
        now,
        options.accountId ?? null,
        options.keys ? options.keys.map((k) => k.scope) : null,
        options.keys ? options.keys.map((k) => k.key) : null,
        options.limit,
      ],
    )) as RawBreaker[];
    return rows.map(breakerOf);
  }

  /** An operator closes an open breaker of its account: the row, or null when none such is open. */
  async closeByOperator(
    db: EntityManager,
    accountId: string,
    id: string,
    now: Date,
  ): Promise<BreakerRow | null> {
    const [row] = (await db.query(
      `WITH closed AS (
         UPDATE ${this.table('breakers')} SET closed_at = $3, closed_by = 'OPERATOR'
          WHERE account_id = $1 AND id = $2 AND closed_at IS NULL RETURNING *
       ) SELECT * FROM closed`,
      [accountId, id, now],
    )) as RawBreaker[];
    return row ? breakerOf(row) : null;
  }

  async byId(db: EntityManager, accountId: string, id: string): Promise<BreakerRow | null> {
    const [row] = (await db.query(
      `SELECT * FROM ${this.table('breakers')} WHERE account_id = $1 AND id = $2`,
      [accountId, id],
    )) as RawBreaker[];
    return row ? breakerOf(row) : null;
  }

  /** The account's breakers, newest first: open ones (open = true), or all. */
  async list(db: EntityManager, accountId: string, open: boolean | null, now: Date): Promise<BreakerRow[]> {
    const rows = (await db.query(
      `SELECT * FROM ${this.table('breakers')}
        WHERE account_id = $1
          AND ($2::boolean IS NULL OR ($2 AND closed_at IS NULL AND closes_at > $3)
                                   OR (NOT $2 AND (closed_at IS NOT NULL OR closes_at <= $3)))
        ORDER BY opened_at DESC LIMIT 500`,
      [accountId, open, now],
    )) as RawBreaker[];
    return rows.map(breakerOf);
  }

  /** Breakers open now (not closed, cooling not over), per scope, across every account. */
  async openCounts(db: EntityManager, now: Date): Promise<Map<string, number>> {
    const rows = (await db.query(
      `SELECT scope, count(*)::int AS n FROM ${this.table('breakers')}
        WHERE closed_at IS NULL AND closes_at > $1 GROUP BY scope`,
      [now],
    )) as Array<{ scope: string; n: number }>;
    return new Map(rows.map((row) => [row.scope, row.n]));
  }
}
