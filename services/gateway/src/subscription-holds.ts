import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withTimeout, type Logger } from '@attestor/platform';

const TABLE = 'subscription_holds';
/** Each gateway writes all its holds this often; a gateway silent for HOLD_TTL_SECONDS holds nothing. */
const HEARTBEAT_MS = 10_000;
const HOLD_TTL_SECONDS = 30;

/** How many subscriptions each gateway instance holds per credential (one row per instance and key). */
export class GatewaySubscriptionHolds1766000000000 implements MigrationInterface {
  name = 'GatewaySubscriptionHolds1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(
      `CREATE TABLE "${schema}".${TABLE} (instance uuid NOT NULL, key varchar(255) NOT NULL, held integer NOT NULL, seen_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (key, instance))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP TABLE "${schema}".${TABLE}`);
  }
}

/** Where the gateways count their open subscriptions together (subscription-quota.ts). */
export interface HoldStore {
  /**
   * Whether this instance may hold `mine()` subscriptions of `key` — counted now, under the key's lock
   * — with what the other live instances hold, at most `limit` in all; when it may, that count is
   * written. Throws when the store fails: the caller decides on its own.
   */
  reserve(key: string, limit: number, mine: () => number): Promise<boolean>;
  /** Writes this instance's count of `key` again (after a release), under the key's lock. */
  write(key: string, mine: () => number): Promise<void>;
  close(): Promise<void>;
}

export interface HoldStoreOptions {
  pool: pg.Pool;
  schema: string;
  /** Past this a reservation counts as failed (the instance decides); its transaction may still end. */
  timeoutMs: number;
  /** This instance's live counts (keys it holds none of absent), written every heartbeat: a failed write heals. */
  counts: ReadonlyMap<string, number>;
  logger: Logger;
}

/**
 * The holds on PostgreSQL. A reservation is one short transaction: the key's advisory lock, the other
 * instances' fresh rows summed, this instance's row written — so two gateways taking the last place at
 * once cannot both get it. A gateway that dies stops its heartbeat, and its rows stop counting after
 * HOLD_TTL_SECONDS (its clients' sockets died with it).
 */
export function postgresHoldStore(options: HoldStoreOptions): HoldStore {
  const { pool, logger } = options;
  const table = `"${options.schema}".${TABLE}`;
  const instance = randomUUID();

  const underLock = async (key: string, work: (client: pg.PoolClient) => Promise<boolean>) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${TABLE}:${key}`]);
      const done = await work(client);
      await client.query('COMMIT');
      return done;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
  const upsert = (client: pg.PoolClient, key: string, held: number) =>
    held > 0
      ? client.query(
          `INSERT INTO ${table} (instance, key, held, seen_at) VALUES ($1, $2, $3, now())
           ON CONFLICT (key, instance) DO UPDATE SET held = excluded.held, seen_at = now()`,
          [instance, key, held],
        )
      : client.query(`DELETE FROM ${table} WHERE instance = $1 AND key = $2`, [instance, key]);

  // Keys whose last write failed: the heartbeat writes them again (a count of 0 deletes the row).
  const unwritten = new Set<string>();
  const heartbeat = async () => {
    const counts = [...options.counts].filter(([, held]) => held > 0);
    const keys = counts.map(([key]) => key);
    const gone = [...unwritten].filter((key) => !options.counts.has(key));
    await pool.query(
      `WITH mine AS (
         INSERT INTO ${table} (instance, key, held, seen_at)
         SELECT $1, key, held, now() FROM unnest($2::varchar[], $3::int[]) AS m(key, held)
         ON CONFLICT (key, instance) DO UPDATE SET held = excluded.held, seen_at = now()
       )
       DELETE FROM ${table}
       WHERE (instance = $1 AND key = ANY($4::varchar[]))
          OR (instance <> $1 AND seen_at < now() - interval '1 hour')`,
      [instance, keys, counts.map(([, held]) => held), gone],
    );
    unwritten.clear();
  };
  const timer = setInterval(() => {
    heartbeat().catch((error: unknown) =>
      logger.warn({ err: error }, 'subscription holds not written: each gateway counts its own'),
    );
  }, HEARTBEAT_MS);
  timer.unref();

  return {
    reserve: (key, limit, mine) =>
      withTimeout(
        underLock(key, async (client) => {
          const others = await client.query<{ held: string }>(
            `SELECT coalesce(sum(held), 0) AS held FROM ${table}
           WHERE key = $1 AND instance <> $2 AND seen_at > now() - make_interval(secs => $3)`,
            [key, instance, HOLD_TTL_SECONDS],
          );
          const held = mine();
          if (Number(others.rows[0]?.held ?? 0) + held > limit) return false;
          await upsert(client, key, held);
          return true;
        }),
        options.timeoutMs,
      ),
    write: async (key, mine) => {
      try {
        await underLock(key, async (client) => {
          await upsert(client, key, mine());
          return true;
        });
      } catch (error) {
        unwritten.add(key);
        throw error;
      }
    },
    close: async () => {
      clearInterval(timer);
      await pool.query(`DELETE FROM ${table} WHERE instance = $1`, [instance]).catch(() => undefined);
    },
  };
}
