import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, request } from '@attestor/platform';
import { partnerCaller, unreachableUrl, uniqueName } from '@attestor/platform/testing';
import { fraudConfigShape, riskThresholdsOf } from '../src/config.js';
import { startFraudHarness, type FraudHarness } from './harness.js';

const run = uniqueName('fraudnolookup');
let h: FraudHarness;

beforeAll(async () => {
  h = await startFraudHarness(run, { emulatorUrl: await unreachableUrl() });
});
afterAll(async () => {
  await h?.stop();
});

const assess = (accountId: string, phoneNumber: string) =>
  request(
    h.bus,
    'rpc.fraud.assess',
    {
      accountId,
      inquiryId: randomUUID(),
      verificationId: randomUUID(),
      phoneNumberSealed: h.pii.seal(phoneNumber),
      countryCode: 'US',
      channel: 'SMS',
      ip: null,
    },
    { timeoutMs: 10_000 },
  );

describe('assessing while Lookup does not answer', () => {
  it('decides without Lookup, says LOOKUP_UNAVAILABLE and caches nothing', async () => {
    // +1 415 555 0199 is seeded blocked with score 97 in the emulator: a Lookup would have blocked it.
    const reply = await assess(`acc_${randomUUID().slice(0, 8)}`, '+14155550199');
    expect(reply).toMatchObject({ decision: 'ALLOW', score: 0, reasons: ['LOOKUP_UNAVAILABLE'] });
    const [row] = await h.sql<{ lookup: string; line_type: string | null }>(
      `SELECT details->>'lookup' AS lookup, line_type FROM "${h.config.DB_SCHEMA}".assessments WHERE id = $1`,
      [reply.assessmentId],
    );
    expect(row).toEqual({ lookup: 'UNAVAILABLE', line_type: null });
    const [cache] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${h.config.DB_SCHEMA}".lookups`,
    );
    expect(cache?.n).toBe(0);
  });

  it('still applies the policy rate limits', async () => {
    const accountId = `acc_${randomUUID().slice(0, 8)}`;
    await h.gql(
      partnerCaller(accountId),
      `mutation { updateFraudPolicy(input: { maxSmsPerDay: 1 }) { maxSmsPerDay } }`,
    );
    expect((await assess(accountId, '+14155550100')).decision).toBe('ALLOW');
    expect(await assess(accountId, '+14155550100')).toMatchObject({
      decision: 'BLOCK',
      reasons: ['ACCOUNT_DAILY_LIMIT', 'LOOKUP_UNAVAILABLE'],
    });
  });
});

describe('fraud config', () => {
  it('defaults to port 4003, a 24-hour Lookup cache and thresholds 60 / 90', () => {
    const config = parseConfig(fraudConfigShape, {});
    expect(config).toMatchObject({ PORT: 4003, LOOKUP_CACHE_HOURS: 24 });
    expect(riskThresholdsOf(config)).toEqual({ challengeAt: 60, blockAt: 90 });
  });

  it('refuses a challenge threshold that is not below the block threshold, naming the variable', () => {
    const config = parseConfig(fraudConfigShape, { FRAUD_CHALLENGE_SCORE: '90', FRAUD_BLOCK_SCORE: '90' });
    expect(() => riskThresholdsOf(config)).toThrow(ConfigError);
    expect(() => riskThresholdsOf(config)).toThrow(/FRAUD_CHALLENGE_SCORE/);
  });

  it('refuses a score outside 0..100 and a negative cache age', () => {
    expect(() => parseConfig(fraudConfigShape, { FRAUD_BLOCK_SCORE: '101' })).toThrow(/FRAUD_BLOCK_SCORE/);
    expect(() => parseConfig(fraudConfigShape, { LOOKUP_CACHE_HOURS: '-1' })).toThrow(/LOOKUP_CACHE_HOURS/);
  });
});
