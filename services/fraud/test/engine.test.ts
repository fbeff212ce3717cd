import { describe, expect, it } from 'vitest';
import {
  breakerThreshold,
  coolingMinutesOf,
  defaultBreakerModel,
  paidChallengesFail,
  tripOf,
  unverifiedOf,
  type KeyConversion,
  type OpenBreaker,
} from '../src/domain/breaker.js';
import { listVerdict, normalizeCidr, type ListEntry } from '../src/domain/lists.js';
import { numberShapeOf, prefixesOf } from '../src/domain/number.js';
import { defaultPolicy, type FraudPolicy } from '../src/domain/policy.js';
import {
  assess,
  challengeWorkOf,
  defaultThresholds,
  type AssessmentInput,
  type NumberFacts,
} from '../src/domain/rules.js';
import { mergeStats } from '../src/domain/stats.js';
import { adaptiveLimit, countersTouched } from '../src/domain/velocity.js';

const clean: NumberFacts = {
  valid: true,
  countryCode: 'US',
  lineType: 'mobile',
  smsPumpingRiskScore: 5,
  carrierRiskCategory: 'low',
  numberBlocked: false,
};

function input(overrides: Partial<AssessmentInput> = {}, policy: Partial<FraudPolicy> = {}): AssessmentInput {
  return {
    policy: { ...defaultPolicy(), ...policy },
    countryCode: 'US',
    facts: clean,
    counters: { countryLastHour: 0, accountLastDay: 0 },
    thresholds: defaultThresholds,
    ...overrides,
  };
}

const conversion = (
  scope: KeyConversion['scope'],
  hour: [sent: number, verified: number],
  everVerified: boolean,
  day: [number, number] = hour,
  key = scope === 'COUNTRY' ? 'US' : scope === 'PREFIX' ? 'h4' : '',
): KeyConversion => ({
  scope,
  key,
  label: scope === 'PREFIX' ? '+1415555' : key || 'acc',
  window: { '1h': { sent: hour[0], verified: hour[1] }, '24h': { sent: day[0], verified: day[1] } },
  everVerified,
});

const openBreaker = (scope: OpenBreaker['scope'], key: string, threshold = 1): OpenBreaker => ({
  id: '0193a0b0-0000-7000-8000-000000000001',
  scope,
  key,
  label: key,
  threshold,
  unverifiedSends: threshold + 1,
  closesAt: new Date(Date.now() + 60_000),
});

const fired = (value: AssessmentInput) => assess(value).reasons;

describe('number shape', () => {
  it('cuts the number without its last 2, 3 and 4 digits, as the phone events do', () => {
    expect(prefixesOf('+998901234567')).toEqual(['+9989012345', '+998901234', '+99890123']);
  });

  it('reads the country and plan type from the number, the caller’s country only as fallback', () => {
    expect(numberShapeOf('+447400123456', 'US')).toMatchObject({ countryCode: 'GB', planLineType: 'mobile' });
    expect(numberShapeOf('+442079460958', null).planLineType).toBe('landline');
  });
});

describe('velocity rules', () => {
  it.each([
    [4, 'ALLOW', []],
    [5, 'BLOCK', ['VELOCITY_NUMBER']],
  ])('%i sends to the number in 10 minutes → %s (Verify: 5 per 10 min)', (n, decision, reasons) => {
    const result = assess(input({ velocity: { counts: { NUMBER: n }, source: 'SHARED' } }));
    expect(result.decision).toBe(decision);
    expect(result.reasons).toEqual(reasons);
  });

  it.each([
    [4, 'ALLOW', []],
    [5, 'CHALLENGE', ['VELOCITY_IP', 'RISK_SCORE_ELEVATED']],
    [19, 'CHALLENGE', ['VELOCITY_IP', 'RISK_SCORE_ELEVATED']],
    [20, 'BLOCK', ['VELOCITY_IP_HIGH', 'VELOCITY_IP', 'RISK_SCORE_ELEVATED']],
  ])('%i starts from one address this hour → %s', (n, decision, reasons) => {
    const result = assess(
      input({
        velocity: { counts: { IP: n }, source: 'SHARED' },
        thresholds: { challengeAt: 60, blockAt: 90 },
      }),
    );
    expect(result.decision).toBe(decision);
    // A shared address is also a weak signal; alone it scores 5 + 20 = 25, below a challenge.
    expect(result.reasons.filter((r) => r !== 'RISK_SCORE_ELEVATED')).toEqual(
      reasons.filter((r) => r !== 'RISK_SCORE_ELEVATED'),
    );
  });

  it.each([
    [{ PREFIX_2: 2 }, 'ALLOW'],
    [{ PREFIX_2: 3 }, 'CHALLENGE'],
    [{ PREFIX_3: 6 }, 'CHALLENGE'],
    [{ PREFIX_4: 11 }, 'ALLOW'],
    [{ PREFIX_4: 12 }, 'CHALLENGE'],
    [{ PREFIX_2: 9 }, 'BLOCK'],
    [{ PREFIX_4: 36 }, 'BLOCK'],
  ])('prefix starts this hour %j → %s', (counts, decision) => {
    expect(assess(input({ velocity: { counts, source: 'SHARED' } })).decision).toBe(decision);
  });

  it('adapts the country and account limits to their verified baseline', () => {
    expect(adaptiveLimit('COUNTRY', 0)).toBe(20);
    expect(adaptiveLimit('COUNTRY', 240)).toBe(30);
    expect(adaptiveLimit('ACCOUNT', 2400)).toBe(300);
    const at = (n: number, verified: number) =>
      assess(
        input({
          velocity: { counts: { COUNTRY: n }, source: 'SHARED' },
          conversions: [conversion('COUNTRY', [0, 0], true, [verified, verified])],
        }),
      ).reasons;
    expect(at(19, 0)).toEqual([]);
    expect(at(20, 0)).toEqual(['VELOCITY_COUNTRY']);
    expect(at(29, 240)).toEqual([]);
  });

  it('counts resends for the number only', () => {
    const keys = { NUMBER: 'n', IP: 'i', PREFIX_2: 'p', COUNTRY: 'c', ACCOUNT: 'a' };
    expect(countersTouched(keys, 'RESEND')).toEqual(['NUMBER']);
    expect(countersTouched(keys, 'START')).toEqual(['NUMBER', 'IP', 'PREFIX_2', 'COUNTRY', 'ACCOUNT']);
    // A number started again within its window is not a new number for the address or the prefix.
    expect(countersTouched(keys, 'START', true)).toEqual(['NUMBER']);
  });

  it('says when the counts are this instance’s own', () => {
    const result = assess(input({ velocity: { counts: {}, source: 'LOCAL' } }));
    expect(result).toMatchObject({ decision: 'ALLOW', reasons: ['VELOCITY_LOCAL'] });
  });
});

describe('conversion breakers', () => {
  const model = defaultBreakerModel;

  it('uses max(floor, ratio × verified), with the low floor where the key never verified', () => {
    expect(breakerThreshold(model, conversion('COUNTRY', [5, 0], false), '1h')).toBe(1);
    expect(breakerThreshold(model, conversion('COUNTRY', [5, 0], true), '1h')).toBe(8);
    expect(breakerThreshold(model, conversion('COUNTRY', [300, 200], true), '1h')).toBe(20);
    expect(breakerThreshold(model, conversion('COUNTRY', [0, 0], true), '24h')).toBe(20);
    expect(breakerThreshold(model, conversion('PREFIX', [0, 0], true), '1h')).toBe(3);
    expect(breakerThreshold(model, conversion('ACCOUNT', [0, 0], true), '24h')).toBe(200);
  });

  it.each([
    [conversion('COUNTRY', [1, 0], false), null],
    [conversion('COUNTRY', [2, 0], false), '1h'],
    [conversion('COUNTRY', [8, 0], true, [8, 0]), null],
    [conversion('COUNTRY', [9, 0], true, [9, 0]), '1h'],
    [conversion('COUNTRY', [5, 5], true, [40, 19]), '24h'],
  ])('trips %j → %s', (c, window) => {
    expect(tripOf(model, c)?.window ?? null).toBe(window);
  });

  it('cools 15 minutes, doubling per opening in the last 24 h, at most a day', () => {
    expect([0, 1, 2, 3].map((n) => coolingMinutesOf(model, n))).toEqual([15, 30, 60, 120]);
    expect(coolingMinutesOf(model, 40)).toBe(24 * 60);
  });

  it('starts a brand-new account on the higher floors for its countries, not its prefixes', () => {
    expect(tripOf(model, conversion('COUNTRY', [2, 0], false), true)).toBeNull();
    expect(tripOf(model, conversion('COUNTRY', [9, 0], false), true)?.threshold).toBe(8);
    expect(tripOf(model, conversion('PREFIX', [2, 0], false), true)?.threshold).toBe(1);
  });

  it('opens a breaker on a key that trips, and challenges the send', () => {
    const result = assess(
      input({ accountEverVerified: true, conversions: [conversion('COUNTRY', [2, 0], false)] }),
    );
    expect(result.decision).toBe('CHALLENGE');
    expect(result.reasons).toEqual(['BREAKER_OPEN']);
    expect(result.opens.map((o) => [o.conversion.scope, o.trip.unverified, o.trip.threshold])).toEqual([
      ['COUNTRY', 2, 1],
    ]);
  });

  it('does not open a second breaker on a key that has one open', () => {
    const result = assess(
      input({
        conversions: [conversion('COUNTRY', [5, 0], false)],
        breakers: [openBreaker('COUNTRY', 'US')],
      }),
    );
    expect(result.opens).toEqual([]);
    expect(result.reasons).toEqual(['BREAKER_OPEN']);
  });

  it('trusts a number that verified before past an open breaker', () => {
    const result = assess(input({ breakers: [openBreaker('COUNTRY', 'US')], verifiedBefore: true }));
    expect(result).toMatchObject({ decision: 'ALLOW', reasons: ['VERIFIED_BEFORE'] });
  });

  it('blocks instead of challenging once a prefix breaker’s unverified sends reach 3 × its threshold', () => {
    const prefix = conversion('PREFIX', [3, 0], false);
    expect(
      assess(input({ conversions: [prefix], breakers: [openBreaker('PREFIX', 'h4', 1)] })).reasons,
    ).toEqual(['BREAKER_ESCALATED', 'BREAKER_OPEN']);
    const country = conversion('COUNTRY', [30, 0], false);
    expect(
      assess(input({ conversions: [country], breakers: [openBreaker('COUNTRY', 'US', 1)] })).decision,
    ).toBe('CHALLENGE');
  });

  it('blocks through a country breaker where an account that verifies elsewhere never verified anyone', () => {
    const breakers = [openBreaker('COUNTRY', 'US', 1)];
    const unserved = (unverified: number) => conversion('COUNTRY', [unverified, 0], false);
    expect(
      assess(input({ accountEverVerified: true, conversions: [unserved(3)], breakers })).reasons,
    ).toEqual(['BREAKER_ESCALATED', 'BREAKER_OPEN']);
    // Below 3 × the threshold it challenges, as does a country the account has verified in.
    expect(assess(input({ accountEverVerified: true, conversions: [unserved(2)], breakers })).decision).toBe(
      'CHALLENGE',
    );
    const served = conversion('COUNTRY', [30, 20], true);
    expect(assess(input({ accountEverVerified: true, conversions: [served], breakers })).decision).toBe(
      'CHALLENGE',
    );
  });

  it('counts a passed challenge past its grace three times against the address and the account, until it verifies', () => {
    const solved = (sent: number, verified: number, solvedSent: number, solvedVerified: number) => ({
      sent,
      verified,
      solvedSent,
      solvedVerified,
    });
    expect(unverifiedOf(model, 'IP', solved(4, 0, 0, 0))).toBe(4);
    expect(unverifiedOf(model, 'IP', solved(4, 0, 1, 0))).toBe(6);
    expect(unverifiedOf(model, 'ACCOUNT', solved(4, 0, 1, 0))).toBe(6);
    expect(unverifiedOf(model, 'IP', solved(4, 1, 1, 1))).toBe(3);
    expect(unverifiedOf(model, 'IP', { sent: 2, verified: 0 })).toBe(2);
    // A country or a range is shared with real users: a passed challenge counts once there.
    expect(unverifiedOf(model, 'PREFIX', solved(4, 0, 1, 0))).toBe(4);
    expect(unverifiedOf(model, 'COUNTRY', solved(4, 0, 1, 0))).toBe(4);
    // An address with 3 unverified sends (floor 4) trips only when one of them passed a challenge.
    const address = (solvedSent: number): KeyConversion => ({
      ...conversion('IP', [3, 0], false, [3, 0], 'ip1'),
      window: { '1h': solved(3, 0, solvedSent, 0), '24h': solved(3, 0, solvedSent, 0) },
    });
    expect(tripOf(model, address(0))).toBeNull();
    expect(tripOf(model, address(1))).toMatchObject({ window: '1h', unverified: 5, threshold: 4 });
  });

  it('blocks through a breaker whose recent passed challenges do not verify while more keep arriving', () => {
    const paid = (sent: number, verified: number, arriving: number): KeyConversion => ({
      ...conversion('COUNTRY', [60, 40], true),
      recentSolved: { sent, verified, arriving },
    });
    // At least 10 past their grace, fewer than 5% of them verified, at least 5 more in their grace.
    expect(paidChallengesFail(model, paid(10, 0, 5))).toBe(true);
    expect(paidChallengesFail(model, paid(9, 0, 5))).toBe(false);
    expect(paidChallengesFail(model, paid(20, 0, 4))).toBe(false);
    expect(paidChallengesFail(model, paid(20, 1, 5))).toBe(false);
    expect(paidChallengesFail(model, paid(40, 1, 5))).toBe(true);
    expect(paidChallengesFail(model, conversion('COUNTRY', [60, 0], true))).toBe(false);

    const breakers = [openBreaker('COUNTRY', 'US', 8)];
    const served = (c: KeyConversion, overrides: Partial<AssessmentInput> = {}) =>
      assess(input({ accountEverVerified: true, conversions: [c], breakers, ...overrides }));
    const blocked = served(paid(30, 0, 10));
    expect(blocked.decision).toBe('BLOCK');
    expect(blocked.reasons).toEqual(['BREAKER_ESCALATED', 'BREAKER_OPEN']);
    expect(blocked.details.rules.find((r) => r.rule === 'BREAKER_ESCALATED')?.saw).toMatchObject({
      paidChallengesUnverified: ['COUNTRY:US'],
    });
    // A solved challenge does not pass it; a number that verified before does; real users who solve
    // and verify keep the country on challenges; so does an attack that stopped.
    expect(served(paid(30, 0, 10), { challengeSolved: true }).decision).toBe('BLOCK');
    expect(served(paid(30, 0, 10), { verifiedBefore: true }).decision).toBe('ALLOW');
    expect(served(paid(30, 28, 10)).decision).toBe('CHALLENGE');
    expect(served(paid(30, 0, 0)).decision).toBe('CHALLENGE');
    // No breaker acting (the country's own sends convert): nothing to escalate.
    const converting = {
      ...conversion('COUNTRY', [50, 45], true),
      recentSolved: { sent: 30, verified: 0, arriving: 10 },
    };
    expect(assess(input({ accountEverVerified: true, conversions: [converting] })).decision).toBe('ALLOW');
  });

  it('counts the client address: floors by VELOCITY_IP’s even for a brand-new account, a block at 3 × its threshold', () => {
    const address = (hour: number, day = hour, everVerified = false) =>
      conversion('IP', [hour, 0], everVerified, [day, 0], 'ip1');
    expect(breakerThreshold(model, address(0), '1h')).toBe(4);
    expect(breakerThreshold(model, address(0, 0, true), '1h')).toBe(5);
    expect(breakerThreshold(model, address(0), '24h')).toBe(8);
    expect(breakerThreshold(model, address(0, 0, true), '24h')).toBe(12);
    expect(tripOf(model, address(4), true)).toBeNull();
    expect(tripOf(model, address(5), true)?.threshold).toBe(4);
    // One address dripping under the hourly floor all day.
    expect(tripOf(model, address(2, 9))).toMatchObject({ window: '24h', threshold: 8 });
    const breakers = [openBreaker('IP', 'ip1', 4)];
    expect(assess(input({ conversions: [address(11)], breakers })).decision).toBe('CHALLENGE');
    expect(assess(input({ conversions: [address(12)], breakers })).reasons).toEqual([
      'BREAKER_ESCALATED',
      'BREAKER_OPEN',
    ]);
    // A solved challenge does not pass the block.
    expect(assess(input({ conversions: [address(12)], breakers, challengeSolved: true })).decision).toBe(
      'BLOCK',
    );
  });

  it('asks more proof of work as a breaker’s key keeps failing: ×1 below twice its threshold, then doubling, at most ×8', () => {
    const breakers = [openBreaker('COUNTRY', 'US', 10)];
    const work = (unverified: number, overrides: Partial<AssessmentInput> = {}) => {
      const result = assess(
        input({
          accountEverVerified: true,
          conversions: [conversion('COUNTRY', [unverified + 50, 50], true)],
          breakers,
          ...overrides,
        }),
      );
      return [result.decision, result.challengeWork, result.details.breakerPressure];
    };
    expect(work(10)).toEqual(['CHALLENGE', 1, 1]);
    expect(work(19)).toEqual(['CHALLENGE', 1, 1.9]);
    expect(work(20)).toEqual(['CHALLENGE', 2, 2]);
    expect(work(45)).toEqual(['CHALLENGE', 4, 4.5]);
    expect(work(80)).toEqual(['CHALLENGE', 8, 8]);
    expect(work(1000)).toEqual(['CHALLENGE', 8, 100]);
    // Solved, it is an ALLOW and asks nothing; a challenge no breaker asked for asks the usual work.
    expect(work(80, { challengeSolved: true }).slice(0, 2)).toEqual(['ALLOW', 1]);
    const scored = assess(input({ facts: { ...clean, smsPumpingRiskScore: 72 } }));
    expect([scored.decision, scored.challengeWork]).toEqual(['CHALLENGE', 1]);
    expect([
      challengeWorkOf(0),
      challengeWorkOf(Number.NaN),
      challengeWorkOf(3.9),
      challengeWorkOf(16),
    ]).toEqual([1, 1, 2, 8]);
  });

  it('holds an open ACCOUNT breaker against countries the account never verified in only', () => {
    const account = openBreaker('ACCOUNT', '');
    const served = assess(input({ breakers: [account], conversions: [conversion('COUNTRY', [0, 0], true)] }));
    expect(served.decision).toBe('ALLOW');
    const unserved = assess(
      input({ breakers: [account], conversions: [conversion('COUNTRY', [0, 0], false)] }),
    );
    expect(unserved.reasons).toEqual(['BREAKER_OPEN']);
  });
});

describe('challenges', () => {
  it('lets a solved challenge through when only challenge rules fired, recording it', () => {
    const result = assess(input({ facts: { ...clean, smsPumpingRiskScore: 72 }, challengeSolved: true }));
    expect(result).toMatchObject({
      decision: 'ALLOW',
      score: 72,
      reasons: ['SMS_PUMPING_RISK_ELEVATED', 'CHALLENGE_PASSED'],
    });
    expect(result.details.enforcedDecision).toBe('ALLOW');
  });

  it('keeps a BLOCK a BLOCK whatever the client solved', () => {
    const result = assess(input({ facts: { ...clean, smsPumpingRiskScore: 95 }, challengeSolved: true }));
    expect(result).toMatchObject({ decision: 'BLOCK', reasons: ['SMS_PUMPING_RISK_HIGH'] });
  });

  it('suggests a voice call for a challenge where the policy accepts one, and a call then passes', () => {
    const elevated = { ...clean, smsPumpingRiskScore: 70 };
    const sms = assess(input({ facts: elevated }, { challengeAcceptsCall: true }));
    expect(sms).toMatchObject({ decision: 'CHALLENGE', suggestedChannel: 'CALL' });
    const call = assess(input({ facts: elevated, channel: 'CALL' }, { challengeAcceptsCall: true }));
    expect(call).toMatchObject({ decision: 'ALLOW', suggestedChannel: null });
    expect(call.reasons).toContain('CHALLENGE_PASSED');
    expect(assess(input({ facts: elevated, channel: 'CALL' })).decision).toBe('CHALLENGE');
  });
});

describe('line types', () => {
  it('refuses an SMS to a landline by default and suggests a voice call, which it allows', () => {
    const landline = { ...clean, lineType: 'landline' };
    expect(assess(input({ facts: landline }))).toMatchObject({
      decision: 'BLOCK',
      reasons: ['LINE_TYPE_BLOCKED'],
      suggestedChannel: 'CALL',
    });
    expect(assess(input({ facts: landline, channel: 'CALL' })).decision).toBe('ALLOW');
  });

  it('refuses a premium number on every channel, without a suggestion', () => {
    const premium = { ...clean, lineType: 'premium' };
    expect(assess(input({ facts: premium, channel: 'CALL' }))).toMatchObject({
      decision: 'BLOCK',
      suggestedChannel: null,
    });
  });

  it('reads the numbering plan’s type when Lookup gives none', () => {
    const result = assess(input({ facts: null, planLineType: 'landline' }));
    expect(result.reasons).toEqual(['LINE_TYPE_BLOCKED', 'LOOKUP_UNAVAILABLE']);
  });
});

describe('the combined score', () => {
  it('adds 20 per weak signal to Lookup’s score or the carrier’s category', () => {
    const unserved = assess(
      input({
        facts: { ...clean, smsPumpingRiskScore: 25 },
        accountEverVerified: true,
        highCostCountry: true,
        conversions: [conversion('COUNTRY', [0, 0], false)],
      }),
    );
    expect(unserved.details.combinedScore).toBe(65);
    expect(unserved.reasons).toEqual(['RISK_SCORE_ELEVATED']);
    const carrier = assess(
      input({ facts: { ...clean, smsPumpingRiskScore: 10, carrierRiskCategory: 'high' } }),
    );
    expect(carrier.details.combinedScore).toBe(50);
    expect(carrier.decision).toBe('ALLOW');
  });

  it('does not hold a first verification in a country against an account that never verified', () => {
    const result = assess(
      input({ highCostCountry: false, conversions: [conversion('COUNTRY', [0, 0], false)] }),
    );
    expect(result.details.combinedScore).toBe(5);
  });
});

describe('lists', () => {
  const entry = (
    kind: ListEntry['kind'],
    match: ListEntry['match'],
    value: string,
    id = value,
  ): ListEntry => ({
    id,
    kind,
    match,
    value,
  });
  const subject = { phoneHash: 'hash-1', e164: '+998901234567', ip: '203.0.113.7', countryCode: 'UZ' };

  it('lets the most specific entry decide, BLOCK winning a tie', () => {
    expect(
      listVerdict([entry('BLOCK', 'COUNTRY', 'UZ'), entry('ALLOW', 'PHONE_NUMBER', 'hash-1')], subject)?.kind,
    ).toBe('ALLOW');
    expect(
      listVerdict([entry('ALLOW', 'PREFIX', '+99890'), entry('BLOCK', 'PREFIX', '+9989012')], subject)?.kind,
    ).toBe('BLOCK');
    expect(
      listVerdict(
        [entry('ALLOW', 'IP', '203.0.113.0/24', 'a'), entry('BLOCK', 'IP', '203.0.113.0/24', 'b')],
        subject,
      )?.id,
    ).toBe('b');
    expect(listVerdict([entry('BLOCK', 'COUNTRY', 'GB')], subject)).toBeNull();
  });

  it('matches IPv4 and IPv6 ranges', () => {
    expect(listVerdict([entry('BLOCK', 'IP', '203.0.112.0/23')], subject)).not.toBeNull();
    expect(listVerdict([entry('BLOCK', 'IP', '203.0.114.0/24')], subject)).toBeNull();
    expect(
      listVerdict([entry('BLOCK', 'IP', '2001:db8::/32')], { ...subject, ip: '2001:db8::1' }),
    ).not.toBeNull();
    expect(normalizeCidr('203.0.113.77/24')).toBe('203.0.113.0/24');
    expect(normalizeCidr('10.0.0.300')).toBeNull();
  });

  it('blocks on a BLOCK entry, and an ALLOW entry skips the signals but not the policy caps', () => {
    expect(fired(input({ listEntry: { id: 'x', kind: 'BLOCK', match: 'IP' } }))).toEqual(['LIST_BLOCKED']);
    const allowed = input(
      {
        listEntry: { id: 'y', kind: 'ALLOW', match: 'PHONE_NUMBER' },
        facts: { ...clean, smsPumpingRiskScore: 99 },
        counters: { countryLastHour: 0, accountLastDay: 3 },
      },
      { maxSmsPerDay: 10 },
    );
    expect(assess(allowed)).toMatchObject({ decision: 'ALLOW', reasons: ['LIST_ALLOWED'] });
    expect(assess({ ...allowed, policy: { ...allowed.policy, maxSmsPerDay: 3 } }).reasons).toEqual([
      'ACCOUNT_DAILY_LIMIT',
      'LIST_ALLOWED',
    ]);
  });
});

describe('layers switched off', () => {
  it('fires none of a switched-off layer’s rules', () => {
    const noisy = input({
      accountEverVerified: true,
      velocity: { counts: { NUMBER: 9 }, source: 'SHARED' },
      conversions: [conversion('COUNTRY', [5, 0], false)],
    });
    // Five unverified sends where the account never verified anyone: the breaker also escalates.
    expect(fired(noisy)).toEqual(['VELOCITY_NUMBER', 'BREAKER_ESCALATED', 'BREAKER_OPEN']);
    expect(fired({ ...noisy, disabled: new Set(['velocity']) })).toEqual([
      'BREAKER_ESCALATED',
      'BREAKER_OPEN',
    ]);
    const off = assess({ ...noisy, disabled: new Set(['velocity', 'breakers']) });
    expect(off).toMatchObject({ decision: 'ALLOW', opens: [] });
  });
});

describe('statistics', () => {
  it('joins outcomes and refusals per country and bucket, pricing what was refused', () => {
    const hour = new Date('2026-11-30T10:00:00Z');
    const stats = mergeStats(
      [
        {
          countryCode: 'US',
          bucketStart: hour,
          started: 3,
          sent: 4,
          verified: 2,
          blocked: 1,
          sentVerifications: 2,
        },
      ],
      [
        { countryCode: 'US', bucketStart: hour, challenged: 1, refused: 2 },
        { countryCode: 'UZ', bucketStart: hour, challenged: 0, refused: 10 },
      ],
      { prices: { US: 0.01, UZ: 0.287 }, otherwise: 0.05 },
    );
    expect(stats).toEqual([
      {
        countryCode: 'US',
        bucketStart: hour,
        started: 3,
        sent: 4,
        verified: 2,
        blocked: 1,
        challenged: 1,
        conversionRate: 1,
        costAvoidedUsd: 0.02,
      },
      {
        countryCode: 'UZ',
        bucketStart: hour,
        started: 0,
        sent: 0,
        verified: 0,
        blocked: 0,
        challenged: 0,
        conversionRate: null,
        costAvoidedUsd: 2.87,
      },
    ]);
  });
});
