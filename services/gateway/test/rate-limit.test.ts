import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '@attestor/platform';
import { partnerCaller as partner, TEST_DATABASE_URL, uniqueName } from '@attestor/platform/testing';
import { memoryRateLimit, sharedRateLimit, windowOf, type RateLimit } from '../src/rate-limit.js';
import { SubscriptionQuota } from '../src/subscription-quota.js';

const logger = createLogger({ service: 'rate-limit-test', level: 'silent', format: 'json' });

describe('the limit as a window', () => {
  it('gives the rate on average and the burst at once', () => {
    expect(windowOf(50, 100)).toEqual({ points: 100, duration: 2 });
    expect(windowOf(10, 10)).toEqual({ points: 10, duration: 1 });
    // A burst below the rate still allows the rate each second.
    expect(windowOf(50, 10)).toEqual({ points: 50, duration: 1 });
  });
});

describe('in memory', () => {
  it('allows the burst, then refuses with the seconds to wait, keys apart', async () => {
    const limit = memoryRateLimit(2, 3);
    const first = await Promise.all([1, 2, 3, 4].map(() => limit.take('key:a')));
    expect(first.map((a) => a.allowed)).toEqual([true, true, true, true]);
    const refused = await limit.take('key:a');
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) });
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((await limit.take('key:b')).allowed).toBe(true);
    expect((await limit.take('key:b', 5)).allowed).toBe(false);
  });
});

/** Shared limits (5/s, bursts of 10) on a schema of their own; `opened` for the block's afterAll to close. */
function sharedOnFreshSchema(name: string) {
  const schema = `gw_${uniqueName(name)}`;
  const opened: RateLimit[] = [];
  const open = async (timeoutMs = 200) => {
    const limit = await sharedRateLimit({
      url: TEST_DATABASE_URL,
      schema,
      poolSize: 2,
      timeoutMs,
      ratePerSecond: 5,
      burst: 10,
      logger,
    });
    opened.push(limit);
    return limit;
  };
  return { schema, open, opened };
}

describe('shared on PostgreSQL', () => {
  const { schema, open, opened } = sharedOnFreshSchema('rl');
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  afterAll(async () => {
    for (const limit of opened) await limit.close();
    await admin.connect().catch(() => undefined);
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('is one limit for two gateways', async () => {
    const [one, two] = await Promise.all([open(), open()]);
    const key = `key:${uniqueName('k')}`;
    const answers = await Promise.all(
      Array.from({ length: 14 }, (_, i) => (i % 2 === 0 ? one : two).take(key)),
    );
    expect(answers.filter((a) => a.allowed)).toHaveLength(10);
    expect(one.isDegraded() || two.isDegraded()).toBe(false);
  });

  it('falls back to the instance when the store is late, and shares again when it answers', async () => {
    const limit = await open(150);
    const key = `key:${uniqueName('late')}`;
    await admin.connect();
    await admin.query('BEGIN');
    await admin.query(`LOCK TABLE "${schema}".rate_limits IN ACCESS EXCLUSIVE MODE`);
    try {
      const answers = [];
      for (let i = 0; i < 12; i++) answers.push(await limit.take(key));
      // The instance's own window decides: the limit holds, the gateway neither hangs nor refuses all.
      expect(answers.filter((a) => a.allowed)).toHaveLength(10);
      expect(limit.isDegraded()).toBe(true);
    } finally {
      await admin.query('ROLLBACK');
    }
    await expect
      .poll(async () => (await limit.take(`key:${uniqueName('back')}`)).allowed && !limit.isDegraded(), {
        timeout: 10_000,
      })
      .toBe(true);
  }, 30_000);
});

describe('subscription holds on the shared store', () => {
  const { schema, open, opened } = sharedOnFreshSchema('holds');
  const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  const limits = { perSocket: 100, perAccount: 2, perSession: 1 };
  const gatewayQuota = async (timeoutMs = 200) => {
    const limit = await open(timeoutMs);
    const quota = new SubscriptionQuota(limits, logger);
    quota.share(limit.holdStore!);
    return quota;
  };
  afterAll(async () => {
    for (const limit of opened) await limit.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it("count every gateway's, stop counting a silent gateway's, and fall back to the instance when down", async () => {
    const [one, two] = await Promise.all([gatewayQuota(), gatewayQuota()]);
    const caller = partner(uniqueName('acct'));
    const socket = {};
    const first = await one.take(socket, caller);
    const second = await two.take({}, caller);
    expect('release' in first && 'release' in second).toBe(true);
    expect(await one.take(socket, caller)).toEqual({ scope: 'account', limit: 2 });
    expect(await two.take({}, caller)).toEqual({ scope: 'account', limit: 2 });

    // A release on one gateway frees the place for the other at once.
    if ('release' in first) first.release();
    await expect.poll(async () => 'release' in (await two.take({}, caller)), { timeout: 5000 }).toBe(true);

    // A gateway whose heartbeat stopped 31 s ago (it died) holds nothing any more.
    const otherId = uniqueName('acct');
    const other = partner(otherId);
    expect('release' in (await one.take({}, other))).toBe(true);
    expect('release' in (await one.take({}, other))).toBe(true);
    expect(await two.take({}, other)).toEqual({ scope: 'account', limit: 2 });
    await admin.query(
      `UPDATE "${schema}".subscription_holds SET seen_at = now() - interval '31 seconds' WHERE key = $1`,
      [`account:${otherId}`],
    );
    expect('release' in (await two.take({}, other))).toBe(true);

    // The store locked away: each gateway counts its own (the limit still holds on each), and answers.
    const late = await gatewayQuota(150);
    const client = await admin.connect();
    try {
      await client.query('BEGIN');
      await client.query(`LOCK TABLE "${schema}".subscription_holds IN ACCESS EXCLUSIVE MODE`);
      const alone = partner(uniqueName('acct'));
      const taken = [await late.take({}, alone), await late.take({}, alone), await late.take({}, alone)];
      expect(taken.map((t) => 'release' in t)).toEqual([true, true, false]);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }, 30_000);
});
