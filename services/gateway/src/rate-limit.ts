import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CUSTOM_PLANS, openDatabase, openSidePool, withTimeout, type Logger } from '@attestor/platform';
import {
  GatewaySubscriptionHolds1766000000000,
  postgresHoldStore,
  type HoldStore,
} from './subscription-holds.js';

export type Admission = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** The gateway's limit per caller (API key, or session), in memory or shared by every gateway. */
export interface RateLimit {
  /** Takes `tokens` (one request, or one per further root field); refused: how long to wait. */
  take(key: string, tokens?: number): Promise<Admission>;
  /** Every gateway's requests count against one limit (a shared store), or this instance's only. */
  readonly shared: boolean;
  /** A shared limit whose store failed or was late on the last request (this instance decides). */
  isDegraded(): boolean;
  /** The shared store also counts every gateway's open subscriptions (subscription-holds.ts). */
  holdStore?: (counts: ReadonlyMap<string, number>) => HoldStore;
  close(): Promise<void>;
}

/**
 * The limit as rate-limiter-flexible's fixed window: `ratePerSecond × duration` requests per window of
 * `duration` = burst / rate seconds (at least one). Over a window a caller averages the rate, and may
 * spend the whole window's allowance — the burst — at once.
 */
export function windowOf(ratePerSecond: number, burst: number): { points: number; duration: number } {
  const duration = Math.max(1, Math.round(burst / ratePerSecond));
  return { points: ratePerSecond * duration, duration };
}

async function admission(limiter: RateLimiterAbstract, key: string, tokens: number): Promise<Admission> {
  try {
    await limiter.consume(key, tokens);
    return { allowed: true };
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
    }
    throw refusal;
  }
}

/** This instance's limit only: with N gateways a caller gets up to N times the rate. */
export function memoryRateLimit(ratePerSecond: number, burst: number): RateLimit {
  const limiter = new RateLimiterMemory(windowOf(ratePerSecond, burst));
  return {
    shared: false,
    take: (key, tokens = 1) => admission(limiter, key, tokens),
    isDegraded: () => false,
    close: async () => undefined,
  };
}

const TABLE = 'rate_limits';

/** rate-limiter-flexible's table layout, created by a migration rather than by the library at runtime. */
export class GatewayRateLimits1765000000000 implements MigrationInterface {
  name = 'GatewayRateLimits1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(
      `CREATE TABLE "${schema}".${TABLE} (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`,
    );
    await queryRunner.query(`CREATE INDEX ${TABLE}_expire ON "${schema}".${TABLE} (expire)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP TABLE "${schema}".${TABLE}`);
  }
}

export interface SharedRateLimitOptions {
  url: string;
  schema: string;
  poolSize: number;
  /** Past this the store counts as down for that request: the instance's own limit decides. */
  timeoutMs: number;
  ratePerSecond: number;
  burst: number;
  logger: Logger;
}

/**
 * One limit for every gateway: rate-limiter-flexible on PostgreSQL (one upsert per request, on a pool
 * of its own). When the store fails or answers later than `timeoutMs`, an insurance limiter — this
 * instance's memory — decides instead, so an outage of the store neither refuses every request nor
 * lifts the limit; it only stops being shared until the store answers again.
 */
export async function sharedRateLimit(options: SharedRateLimitOptions): Promise<RateLimit> {
  const migrations = await openDatabase({
    url: options.url,
    schema: options.schema,
    poolSize: 1,
    entities: [],
    migrations: [GatewayRateLimits1765000000000, GatewaySubscriptionHolds1766000000000],
    platformTables: false,
    logger: options.logger,
  });
  await migrations.destroy();
  const pool = openSidePool({
    url: options.url,
    name: 'gateway-rate-limit',
    size: options.poolSize,
    connectTimeoutMs: options.timeoutMs,
    statementTimeoutMs: Math.max(options.timeoutMs, 1000),
    // The library's statements are named (prepared): planned for each run's key all the same.
    preparing: false,
    plans: CUSTOM_PLANS,
    logger: options.logger,
  });
  const window = windowOf(options.ratePerSecond, options.burst);
  const store = new RateLimiterPostgres({
    storeClient: pool,
    storeType: 'pool',
    schemaName: options.schema,
    tableName: TABLE,
    tableCreated: true,
    keyPrefix: 'gw',
    clearExpiredByTimeout: true,
    ...window,
  });
  const insurance = new RateLimiterMemory(window);
  let degraded = false;
  const note = (down: boolean, error?: unknown) => {
    if (down === degraded) return;
    degraded = down;
    if (down)
      options.logger.warn({ err: error }, 'rate limit store late or down: each gateway limits on its own');
    else options.logger.info('rate limit store answers again: one limit for every gateway');
  };
  return {
    shared: true,
    take: async (key, tokens = 1) => {
      try {
        const answer = await withTimeout(admission(store, key, tokens), options.timeoutMs);
        note(false);
        return answer;
      } catch (error) {
        note(true, error);
        return admission(insurance, key, tokens);
      }
    },
    isDegraded: () => degraded,
    holdStore: (counts) =>
      postgresHoldStore({
        pool,
        schema: options.schema,
        timeoutMs: options.timeoutMs,
        counts,
        logger: options.logger,
      }),
    close: () => pool.end(),
  };
}
