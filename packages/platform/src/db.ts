import { createHash } from 'node:crypto';
import pg from 'pg';
import { DataSource, type EntitySchema, type MigrationInterface } from 'typeorm';
import type { Logger } from 'pino';
import {
  PlatformOutboxTrace1764900000002,
  PlatformParkedReplay1764900000001,
  PlatformRelayLease1764900000000,
  PlatformTables1764115200000,
} from './bus/migration.js';
import { CUSTOM_PLANS, PreparingClient } from './prepared-client.js';
import { isConnectionLoss } from './connection-loss.js';
import { inTransaction } from './request-scope.js';

export interface DatabaseOptions {
  url: string;
  /** The service's own Postgres schema; every table it owns lives there. */
  schema: string;
  poolSize: number;
  /** Repeated statements as prepared ones (prepared-client.ts); default true. */
  preparedStatements?: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's EntitySchema is generic over any row type
  entities: EntitySchema<any>[];
  migrations: Array<new () => MigrationInterface>;
  /** The platform's outbox/inbox tables first (default); false for a schema with no events (the gateway's). */
  platformTables?: boolean;
  logger: Logger;
}

const platformMigrations = [
  PlatformTables1764115200000,
  PlatformRelayLease1764900000000,
  PlatformParkedReplay1764900000001,
  PlatformOutboxTrace1764900000002,
];

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A 64-bit advisory lock key per schema, so concurrent starts of one service migrate one at a time. */
function lockKey(schema: string): string {
  return BigInt.asIntN(
    64,
    BigInt(`0x${createHash('sha256').update(`migrate:${schema}`).digest('hex').slice(0, 16)}`),
  ).toString();
}

/**
 * Opens the service's DataSource on its own schema and brings the schema up to date with its
 * migrations (the platform's outbox/inbox tables first). Never `synchronize`.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  if (!SCHEMA_NAME.test(options.schema)) throw new Error(`invalid schema name: ${options.schema}`);
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    poolSize: options.poolSize,
    entities: options.entities,
    migrations: [...(options.platformTables === false ? [] : platformMigrations), ...options.migrations],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    installExtensions: false,
    applicationName: `attestor-${options.schema}`,
    connectTimeoutMS: 5000,
    // Repeated statements as prepared ones (prepared-client.ts), each run planned for its values.
    ...(options.preparedStatements === false
      ? {}
      : { extra: { Client: PreparingClient, options: CUSTOM_PLANS } }),
  });
  await dataSource.initialize();
  // The lock is held on a connection of its own, outside the pool: the migrations need a pooled one,
  // and a pool of one connection would otherwise wait for itself.
  const lock = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: 5000 });
  lock.on('error', () => undefined);
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [lockKey(options.schema)]);
    try {
      await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (applied.length > 0) {
        options.logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
      }
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [lockKey(options.schema)]);
    }
  } catch (error) {
    await dataSource.destroy();
    throw error;
  } finally {
    await lock.end().catch(() => undefined);
  }
  return dataSource;
}

/**
 * A pool of its own beside the service's DataSource, for a store whose statements need settings of
 * their own (a shared limiter's store, a read planned once). Its backends are named
 * `attestor-<name>`, so pg_stat_activity (and bench:phone's CPU per service) counts them with the
 * service they serve; a connection that breaks while idle (the database restarted) is logged, and
 * never takes the process down.
 */
export function openSidePool(options: {
  url: string;
  /** `<schema>-<purpose>`, e.g. `fraud-velocity`. */
  name: string;
  size: number;
  connectTimeoutMs: number;
  statementTimeoutMs?: number;
  /** Repeated statements named by PreparingClient (a library that names its own sets false). */
  preparing: boolean;
  /** The session's planner settings (CUSTOM_PLANS, GENERIC_INDEX_PLANS), if any. */
  plans?: string;
  logger: Logger;
}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.size,
    connectionTimeoutMillis: options.connectTimeoutMs,
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
    application_name: `attestor-${options.name}`,
    ...(options.preparing ? { Client: PreparingClient } : {}),
    ...(options.plans === undefined ? {} : { options: options.plans }),
  });
  pool.on('error', (error) =>
    options.logger.warn({ err: error, pool: options.name }, 'pool connection lost'),
  );
  return pool;
}

/** True when a trivial query answers: the readiness probe's database half. */
export async function databaseReachable(dataSource: DataSource): Promise<boolean> {
  try {
    await dataSource.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `work` again when the database connection was lost under it — up to `tries` runs in all, a
 * short pause between — for a write that records what an outside party has already done (Twilio
 * approved a code): the pool replaces a broken connection, and a blip must not lose the record.
 * `work` must be safe to run twice: a commit whose answer was lost may have landed, so it has to be
 * conditional (one effect however often it runs). Any other error, and the last loss, propagate.
 */
export async function retryOnConnectionLoss<T>(
  work: () => Promise<T>,
  options: { tries?: number; pauseMs?: number; onRetry?: (error: unknown, run: number) => void } = {},
): Promise<T> {
  if (inTransaction()) throw new Error('retryOnConnectionLoss runs its own transactions, not inside one');
  const tries = options.tries ?? 4;
  const pauseMs = options.pauseMs ?? 100;
  for (let run = 1; ; run++) {
    try {
      return await work();
    } catch (error) {
      if (run >= tries || !isConnectionLoss(error)) throw error;
      options.onRetry?.(error, run);
      await new Promise((resolve) => setTimeout(resolve, pauseMs * run));
    }
  }
}
