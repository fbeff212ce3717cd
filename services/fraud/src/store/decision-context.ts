import type { DataSource } from 'typeorm';
import { GENERIC_INDEX_PLANS, openSidePool, RecentMap, Store, type Logger } from '@attestor/platform';
import type { FraudPolicy } from '../domain/policy.js';
import { breakerOf, breakerStateOf, type BreakerState, type RawBreaker } from './breakers.js';
import { PAID_WINDOW_MINUTES, SOLVED_GRACE_MINUTES } from '../domain/breaker.js';
import type { ConversionKey, StoredConversion } from './conversions.js';
import type { PolicyRow } from './entities.js';
import { listEntryOf, type ListEntryRow, type RawListEntry } from './lists.js';
import { toPolicy } from './policies.js';

/** Everything an assessment reads about its account and keys, besides Lookup and velocity. */
export interface DecisionContext {
  policy: FraudPolicy;
  entries: ListEntryRow[];
  /** The number verified before for this account. */
  verifiedBefore: boolean;
  /** The account had a verified send in any country. */
  accountEverVerified: boolean;
  breakers: BreakerState;
  /** Per key asked: sent and verified in the last hour and day, and whether it ever verified. */
  conversions: StoredConversion[];
}

/** An account's settings as this instance last read them, and their version. */
interface SettingsCopy {
  version: number;
  policy: FraudPolicy;
  entries: ListEntryRow[];
}

/** What runs the read: TypeORM's manager (a test's, or without the planned pool) or the planned pool. */
export interface ContextReader {
  query(text: string, values: unknown[]): Promise<unknown>;
}

/**
 * The read's own pool, its statement planned once per connection (GENERIC_INDEX_PLANS): every table
 * it reads is reached by an index range on its parameters, and planning it for each run's values
 * cost more than running it (EXPLAIN ANALYZE on an idle machine: 0.74 ms planning, 0.27 ms execution;
 * a generic plan 0.03 ms). Named statements are what carry a plan over from one run to the next, so
 * without them (DB_PREPARED_STATEMENTS=false) the service's own pool serves the read.
 */
export function plannedContextPool(options: {
  url: string;
  schema: string;
  poolSize: number;
  logger: Logger;
}): {
  reader: ContextReader;
  close: () => Promise<void>;
} {
  const pool = openSidePool({
    url: options.url,
    name: `${options.schema}-context`,
    size: options.poolSize,
    connectTimeoutMs: 5000,
    preparing: true,
    plans: GENERIC_INDEX_PLANS,
    logger: options.logger,
  });
  return {
    reader: { query: async (text, values) => (await pool.query(text, values)).rows },
    close: () => pool.end(),
  };
}

/** Accounts whose settings an instance keeps; the least recently read go first. */
const MAX_CACHED_ACCOUNTS = 10_000;

/** JSON carries timestamps as text. */
const dated = <T extends Record<string, unknown>>(row: T, fields: string[]): T => {
  const out: Record<string, unknown> = { ...row };
  for (const field of fields) if (typeof out[field] === 'string') out[field] = new Date(out[field] as string);
  return out as T;
};

/**
 * One statement for the whole read side of a decision: the policy, the lists, "verified before",
 * the keys' breakers and conversions (where an operator closed a key's breaker, only what came after
 * counts). One round trip and one pooled connection per assessment instead of six.
 *
 * The policy and the list entries (up to 1 000) are kept in memory per account with their version
 * (`settings_versions`, bumped by every change in the change's own transaction). The statement reads
 * the version every time and returns the settings only when it differs from this instance's copy —
 * in the same snapshot, so a change acts on the very next assessment of every replica.
 */
export class DecisionContextStore extends Store {
  private readonly settings = new RecentMap<string, SettingsCopy>(MAX_CACHED_ACCOUNTS);

  constructor(
    dataSource: DataSource,
    schema: string,
    /** The planned pool's reader (plannedContextPool); without it, the service's pool. */
    private readonly planned: ContextReader | null = null,
  ) {
    super(dataSource, schema);
  }

  /** Where an assessment's read runs: the planned pool when there is one. */
  get decisionReader(): ContextReader {
    return this.planned ?? this.reader;
  }

  async read(
    db: ContextReader,
    ask: {
      accountId: string;
      phoneHash: string;
      keys: readonly ConversionKey[];
      now: Date;
    },
  ): Promise<DecisionContext> {
    const t = (name: string) => this.table(name);
    const copy = this.settings.get(ask.accountId);
    // A prepared statement from its second run on (PreparingClient); on the planned pool, planned once.
    const [row] = (await db.query(
      `WITH sv AS (
         SELECT coalesce((SELECT version FROM ${t('settings_versions')} WHERE account_id = $1), 0)::int AS version
       ), k AS (
         SELECT k.scope, k.key,
                (SELECT max(b.closed_at) FROM ${t('breakers')} b
                  WHERE b.account_id = $1 AND b.scope = k.scope AND b.key = k.key AND b.closed_by = 'OPERATOR') AS reset_at
           FROM unnest($3::text[], $4::text[]) AS k(scope, key)
       ), conversions AS (
         -- Per key (LATERAL): each sum is one range of the primary key (account, scope, key, bucket).
         SELECT k.scope, k.key, w.hour_sent, w.hour_verified, w.day_sent, w.day_verified,
                w.hour_solved_sent, w.hour_solved_verified, w.day_solved_sent, w.day_solved_verified,
                w.recent_solved_sent, w.recent_solved_verified, w.recent_solved_arriving,
                EXISTS (SELECT 1 FROM ${t('verified_keys')} v
                         WHERE v.account_id = $1 AND v.scope = k.scope AND v.key = k.key) AS ever_verified
           FROM k CROSS JOIN LATERAL (
             SELECT coalesce(sum(c.sent) FILTER (WHERE c.bucket_start > $5::timestamptz - interval '1 hour'), 0)::int AS hour_sent,
                    coalesce(sum(c.verified) FILTER (WHERE c.bucket_start > $5::timestamptz - interval '1 hour'), 0)::int AS hour_verified,
                    coalesce(sum(c.sent), 0)::int AS day_sent,
                    coalesce(sum(c.verified), 0)::int AS day_verified,
                    -- A passed challenge counts once past its grace (domain/breaker.ts SOLVED_GRACE_MINUTES).
                    coalesce(sum(c.solved_sent) FILTER (WHERE c.bucket_start > $5::timestamptz - interval '1 hour'
                                                          AND c.bucket_start <= $5::timestamptz - $7::interval), 0)::int AS hour_solved_sent,
                    coalesce(sum(c.solved_verified) FILTER (WHERE c.bucket_start > $5::timestamptz - interval '1 hour'), 0)::int AS hour_solved_verified,
                    coalesce(sum(c.solved_sent) FILTER (WHERE c.bucket_start <= $5::timestamptz - $7::interval), 0)::int AS day_solved_sent,
                    coalesce(sum(c.solved_verified), 0)::int AS day_solved_verified,
                    -- The recent passed challenges (domain/breaker.ts PAID_WINDOW_MINUTES before the grace).
                    coalesce(sum(c.solved_sent) FILTER (WHERE c.bucket_start > $5::timestamptz - $7::interval - $8::interval
                                                          AND c.bucket_start <= $5::timestamptz - $7::interval), 0)::int AS recent_solved_sent,
                    coalesce(sum(c.solved_verified) FILTER (WHERE c.bucket_start > $5::timestamptz - $7::interval - $8::interval), 0)::int AS recent_solved_verified,
                    coalesce(sum(c.solved_sent) FILTER (WHERE c.bucket_start > $5::timestamptz - $7::interval), 0)::int AS recent_solved_arriving
               FROM ${t('conversions')} c
              WHERE c.account_id = $1 AND c.scope = k.scope AND c.key = k.key
                AND c.bucket_start > $5::timestamptz - interval '24 hours' AND c.bucket_start <= $5
                AND c.bucket_start >= coalesce(k.reset_at, '-infinity')
           ) w
       )
       SELECT
         sv.version AS settings_version,
         CASE WHEN sv.version = $6 THEN NULL ELSE (SELECT json_build_object('accountId', p.account_id, 'mode', p.mode, 'countries', p.countries,
                                   'blockLineTypes', p.block_line_types, 'callLineTypes', p.call_line_types,
                                   'maxSmsPerDay', p.max_sms_per_day, 'challengeAt', p.challenge_at,
                                   'blockAt', p.block_at, 'challengeAcceptsCall', p.challenge_accepts_call)
            FROM ${t('policies')} p WHERE p.account_id = $1) END AS policy,
         CASE WHEN sv.version = $6 THEN NULL ELSE (SELECT coalesce(json_agg(l ORDER BY l.created_at, l.id), '[]'::json)
            FROM ${t('list_entries')} l WHERE l.account_id = $1) END AS entries,
         EXISTS (SELECT 1 FROM ${t('verified_numbers')} WHERE account_id = $1 AND phone_hash = $2) AS verified_before,
         EXISTS (SELECT 1 FROM ${t('verified_keys')} WHERE account_id = $1 AND scope = 'ACCOUNT') AS account_ever_verified,
         (SELECT coalesce(json_agg(b ORDER BY b.opened_at), '[]'::json)
            FROM ${t('breakers')} b JOIN k ON b.scope = k.scope AND b.key = k.key
           WHERE b.account_id = $1 AND (b.closed_at IS NULL OR b.opened_at > $5::timestamptz - interval '24 hours')) AS breakers,
         (SELECT coalesce(json_agg(c), '[]'::json) FROM conversions c) AS conversions
       FROM sv`,
      [
        ask.accountId,
        ask.phoneHash,
        ask.keys.map((k) => k.scope),
        ask.keys.map((k) => k.key),
        ask.now,
        copy?.version ?? -1,
        `${SOLVED_GRACE_MINUTES} minutes`,
        `${PAID_WINDOW_MINUTES} minutes`,
      ],
    )) as Array<{
      settings_version: number;
      policy: PolicyRow | null;
      entries: RawListEntry[] | null;
      verified_before: boolean;
      account_ever_verified: boolean;
      breakers: RawBreaker[];
      conversions: Array<{
        scope: StoredConversion['scope'];
        key: string;
        hour_sent: number;
        hour_verified: number;
        day_sent: number;
        day_verified: number;
        hour_solved_sent: number;
        hour_solved_verified: number;
        day_solved_sent: number;
        day_solved_verified: number;
        recent_solved_sent: number;
        recent_solved_verified: number;
        recent_solved_arriving: number;
        ever_verified: boolean;
      }>;
    }>;
    if (!row) throw new Error('decision context query answered no row');
    const settings = this.remember(ask.accountId, row.entries === null && copy ? copy : row);
    return {
      policy: settings.policy,
      entries: settings.entries,
      verifiedBefore: row.verified_before,
      accountEverVerified: row.account_ever_verified,
      breakers: breakerStateOf(
        row.breakers.map((b) =>
          breakerOf(
            dated(b as unknown as Record<string, unknown>, [
              'opened_at',
              'closes_at',
              'closed_at',
            ]) as unknown as RawBreaker,
          ),
        ),
        ask.now,
      ),
      conversions: row.conversions.map((c) => ({
        scope: c.scope,
        key: c.key,
        hour: {
          sent: c.hour_sent,
          verified: c.hour_verified,
          solvedSent: c.hour_solved_sent,
          solvedVerified: c.hour_solved_verified,
        },
        day: {
          sent: c.day_sent,
          verified: c.day_verified,
          solvedSent: c.day_solved_sent,
          solvedVerified: c.day_solved_verified,
        },
        everVerified: c.ever_verified,
        recentSolved: {
          sent: c.recent_solved_sent,
          verified: c.recent_solved_verified,
          arriving: c.recent_solved_arriving,
        },
      })),
    };
  }

  /** Keeps (or refreshes the recency of) an account's copy, evicting the least recently read. */
  private remember(
    accountId: string,
    from:
      SettingsCopy | { settings_version: number; policy: PolicyRow | null; entries: RawListEntry[] | null },
  ): SettingsCopy {
    const copy = 'version' in from ? from : this.copyOf(from);
    this.settings.set(accountId, copy);
    return copy;
  }

  private copyOf(row: {
    settings_version: number;
    policy: PolicyRow | null;
    entries: RawListEntry[] | null;
  }): SettingsCopy {
    return {
      version: row.settings_version,
      policy: toPolicy(row.policy),
      entries: (row.entries ?? []).map((e) =>
        listEntryOf(
          dated(e as unknown as Record<string, unknown>, ['created_at']) as unknown as RawListEntry,
        ),
      ),
    };
  }
}
