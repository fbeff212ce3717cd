import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { CUSTOM_PLANS, openSidePool, withTimeout, type Logger } from '@attestor/platform';
import {
  velocityCounters,
  velocityLimits,
  windowOf,
  type VelocityCounter,
  type VelocityCounts,
  type VelocityKeys,
} from '../domain/velocity.js';

/** The counts a read found, and where: SHARED (every instance's) or LOCAL (this instance's only). */
export interface VelocityRead {
  counts: VelocityCounts;
  source: 'SHARED' | 'LOCAL';
}

/**
 * Where the velocity counters live (docs/fraud.md "Velocity"): read the current window of each
 * counter, add one send to some of them. Counter keys carry the clock's window, so windows follow the
 * service's Clock and a counter's row expires by itself.
 */
export interface VelocityCounterStore {
  read(keys: VelocityKeys, at: Date): Promise<VelocityCounts>;
  add(keys: VelocityKeys, counters: readonly VelocityCounter[], at: Date): Promise<void>;
  close(): Promise<void>;
}

const counterKey = (counter: VelocityCounter, key: string, at: Date) =>
  `${counter}:${key}:${windowOf(counter, at)}`;

/** One limiter per window length: it is only a counter here (the rules compare, not the limiter). */
function limitersBy(create: (durationSeconds: number) => RateLimiterAbstract) {
  const byDuration = new Map<number, RateLimiterAbstract>();
  return (counter: VelocityCounter) => {
    const seconds = velocityLimits[counter].windowSeconds * 2;
    let limiter = byDuration.get(seconds);
    if (!limiter) {
      limiter = create(seconds);
      byDuration.set(seconds, limiter);
    }
    return limiter;
  };
}

/** Reads every counter's points in one go: key → consumed points (absent keys: 0). */
type BatchRead = (keys: string[]) => Promise<Map<string, number>>;
/** Adds one point to each key in one go; a key's row lives for its window's duration (ms). */
type BatchAdd = (entries: Array<{ key: string; durationMs: number }>) => Promise<void>;

class LimiterCounters implements VelocityCounterStore {
  constructor(
    private readonly limiterOf: (counter: VelocityCounter) => RateLimiterAbstract,
    private readonly onClose: () => Promise<void> = async () => undefined,
    private readonly batchRead?: BatchRead,
    private readonly batchAdd?: BatchAdd,
  ) {}

  async read(keys: VelocityKeys, at: Date): Promise<VelocityCounts> {
    const wanted = velocityCounters.filter((counter) => keys[counter] !== undefined);
    if (this.batchRead) {
      const storeKeys = wanted.map((counter) => counterKey(counter, keys[counter] as string, at));
      const points = await this.batchRead(storeKeys);
      return Object.fromEntries(wanted.map((counter, i) => [counter, points.get(storeKeys[i]!) ?? 0]));
    }
    const entries = await Promise.all(
      velocityCounters
        .filter((counter) => keys[counter] !== undefined)
        .map(async (counter) => {
          const res = await this.limiterOf(counter).get(counterKey(counter, keys[counter] as string, at));
          return [counter, res?.consumedPoints ?? 0] as const;
        }),
    );
    return Object.fromEntries(entries);
  }

  async add(keys: VelocityKeys, counters: readonly VelocityCounter[], at: Date): Promise<void> {
    if (this.batchAdd) {
      await this.batchAdd(
        counters.map((counter) => ({
          key: counterKey(counter, keys[counter] as string, at),
          durationMs: velocityLimits[counter].windowSeconds * 2 * 1000,
        })),
      );
      return;
    }
    await Promise.all(
      counters.map((counter) =>
        this.limiterOf(counter).penalty(counterKey(counter, keys[counter] as string, at), 1),
      ),
    );
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

/**
 * Counters every instance shares: rate-limiter-flexible's RateLimiterPostgres table on a pool of its
 * own. The library answers one key per statement; an assessment touches up to seven, so its reads are
 * one SELECT and its adds one multi-row upsert with the library's own semantics (a row past its
 * expiry starts again at 1) — one round trip each instead of seven pooled connections.
 */
export function postgresVelocity(options: {
  url: string;
  schema: string;
  poolSize: number;
  timeoutMs: number;
  /** Its statements prepared, as the services' own pools (DB_PREPARED_STATEMENTS). */
  preparedStatements: boolean;
  logger: Logger;
}): VelocityCounterStore {
  const pool = openSidePool({
    url: options.url,
    name: `${options.schema}-velocity`,
    size: options.poolSize,
    connectTimeoutMs: options.timeoutMs,
    statementTimeoutMs: options.timeoutMs,
    preparing: options.preparedStatements,
    ...(options.preparedStatements ? { plans: CUSTOM_PLANS } : {}),
    logger: options.logger,
  });
  const limiterOf = limitersBy(
    (duration) =>
      new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        schemaName: options.schema,
        tableName: 'velocity',
        tableCreated: true,
        keyPrefix: '',
        points: 1_000_000_000,
        duration,
        clearExpiredByTimeout: true,
      }),
  );
  // The library's get is one SELECT per key; the same SELECT over all keys costs one round trip.
  const table = `"${options.schema}"."velocity"`;
  const batchRead: BatchRead = async (storeKeys) => {
    const result = await pool.query<{ key: string; points: number }>(
      `SELECT key, points FROM ${table} WHERE key = ANY($1::text[]) AND (expire > $2 OR expire IS NULL)`,
      [storeKeys, Date.now()],
    );
    return new Map(result.rows.map((row) => [row.key, row.points]));
  };
  const batchAdd: BatchAdd = async (entries) => {
    if (entries.length === 0) return;
    const now = Date.now();
    await pool.query(
      `INSERT INTO ${table} AS v (key, points, expire)
         SELECT key, 1, $3::bigint + duration FROM unnest($1::text[], $2::bigint[]) AS e(key, duration)
       ON CONFLICT (key) DO UPDATE SET
         points = CASE WHEN v.expire <= $3 THEN 1 ELSE v.points + 1 END,
         expire = CASE WHEN v.expire <= $3 THEN EXCLUDED.expire ELSE v.expire END`,
      [entries.map((e) => e.key), entries.map((e) => e.durationMs), now],
    );
  };
  return new LimiterCounters(limiterOf, () => pool.end(), batchRead, batchAdd);
}

/** This instance's own counters: the fallback while the shared store does not answer. */
export function localVelocity(): VelocityCounterStore {
  return new LimiterCounters(
    limitersBy((duration) => new RateLimiterMemory({ keyPrefix: '', points: 1_000_000_000, duration })),
  );
}

/**
 * The velocity the engine uses: the shared counters, and this instance's own as a fallback. Every
 * send is added to both, so when the shared store stops answering the local counts already hold this
 * instance's recent sends; a read that fails or is late answers from them and says LOCAL.
 */
export class Velocity {
  constructor(
    private readonly shared: VelocityCounterStore,
    private readonly local: VelocityCounterStore,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** The shared store's answer, or a rejection once it is later than `timeoutMs`. */
  private inTime<T>(work: Promise<T>): Promise<T> {
    return withTimeout(work, this.timeoutMs, `velocity store did not answer in ${this.timeoutMs} ms`);
  }

  async read(keys: VelocityKeys, at: Date): Promise<VelocityRead> {
    try {
      return { counts: await this.inTime(this.shared.read(keys, at)), source: 'SHARED' };
    } catch (error) {
      this.logger.warn({ err: error }, 'velocity store unavailable; counting on this instance');
      return { counts: await this.local.read(keys, at), source: 'LOCAL' };
    }
  }

  async add(keys: VelocityKeys, counters: readonly VelocityCounter[], at: Date): Promise<void> {
    if (counters.length === 0) return;
    await this.local.add(keys, counters, at);
    try {
      await this.inTime(this.shared.add(keys, counters, at));
    } catch (error) {
      this.logger.warn({ err: error }, 'velocity store unavailable; send counted on this instance only');
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.shared.close(), this.local.close()]);
  }
}
