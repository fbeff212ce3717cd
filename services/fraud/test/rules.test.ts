import { describe, expect, it } from 'vitest';
import { defaultPolicy, type FraudPolicy } from '../src/domain/policy.js';
import { assess, defaultThresholds, type AssessmentInput, type NumberFacts } from '../src/domain/rules.js';

const cleanNumber: NumberFacts = {
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
    facts: cleanNumber,
    counters: { countryLastHour: 0, accountLastDay: 0 },
    thresholds: defaultThresholds,
    ...overrides,
  };
}

const withScore = (smsPumpingRiskScore: number | null) =>
  input({ facts: { ...cleanNumber, smsPumpingRiskScore } });

describe('fraud rules', () => {
  it('allows a clean number under the default policy, scoring it with the pumping score', () => {
    const result = assess(input());
    expect(result).toMatchObject({ decision: 'ALLOW', score: 5, reasons: [], mode: 'ENFORCE' });
    expect(result.details.enforcedDecision).toBe('ALLOW');
    expect(result.details.rules.every((rule) => !rule.fired)).toBe(true);
  });

  describe('SMS pumping risk score', () => {
    it.each([
      [0, 'ALLOW', []],
      [59, 'ALLOW', []],
      [60, 'CHALLENGE', ['SMS_PUMPING_RISK_ELEVATED']],
      [89, 'CHALLENGE', ['SMS_PUMPING_RISK_ELEVATED']],
      [90, 'BLOCK', ['SMS_PUMPING_RISK_HIGH']],
      [100, 'BLOCK', ['SMS_PUMPING_RISK_HIGH']],
    ])('score %i → %s', (score, decision, reasons) => {
      const result = assess(withScore(score));
      expect(result.decision).toBe(decision);
      expect(result.reasons).toEqual(reasons);
    });

    it('scores a CHALLENGE with the pumping score and any BLOCK with 100', () => {
      expect(assess(withScore(72)).score).toBe(72);
      expect(assess(withScore(93)).score).toBe(100);
    });

    it('follows configured thresholds', () => {
      const result = assess({ ...withScore(50), thresholds: { challengeAt: 40, blockAt: 50 } });
      expect(result.reasons).toEqual(['SMS_PUMPING_RISK_HIGH']);
      expect(assess({ ...withScore(45), thresholds: { challengeAt: 40, blockAt: 50 } }).decision).toBe(
        'CHALLENGE',
      );
    });

    it('records the numbers it compared', () => {
      const rule = assess(withScore(72)).details.rules.find((r) => r.rule === 'SMS_PUMPING_RISK_ELEVATED');
      expect(rule).toEqual({
        rule: 'SMS_PUMPING_RISK_ELEVATED',
        fired: true,
        effect: 'CHALLENGE',
        saw: { smsPumpingRiskScore: 72, challengeAt: 60, blockAt: 90 },
      });
    });
  });

  describe('country rules', () => {
    it('blocks a country whose SMS is disabled, and only that country', () => {
      const policy = { countries: [{ countryCode: 'GB', smsAllowed: false, maxPerHour: null }] };
      const blocked = assess(input({ countryCode: 'GB' }, policy));
      expect(blocked).toMatchObject({ decision: 'BLOCK', score: 100, reasons: ['COUNTRY_SMS_DISABLED'] });
      expect(assess(input({ countryCode: 'US' }, policy)).decision).toBe('ALLOW');
    });

    it('allows a listed country with SMS allowed and no cap', () => {
      const policy = { countries: [{ countryCode: 'US', smsAllowed: true, maxPerHour: null }] };
      expect(
        assess(input({ counters: { countryLastHour: 10_000, accountLastDay: 0 } }, policy)).decision,
      ).toBe('ALLOW');
    });

    it.each([
      [2, 'ALLOW'],
      [3, 'BLOCK'],
      [4, 'BLOCK'],
    ])('hourly cap 3 with %i sends in the last hour → %s', (sent, decision) => {
      const policy = { countries: [{ countryCode: 'US', smsAllowed: true, maxPerHour: 3 }] };
      const result = assess(input({ counters: { countryLastHour: sent, accountLastDay: sent } }, policy));
      expect(result.decision).toBe(decision);
      const rule = result.details.rules.find((r) => r.rule === 'COUNTRY_HOURLY_LIMIT');
      expect(rule?.saw).toEqual({ countryCode: 'US', sentLastHour: sent, maxPerHour: 3 });
      expect(rule?.fired).toBe(decision === 'BLOCK');
    });

    it('treats an hourly cap of 0 as no sends at all', () => {
      const policy = { countries: [{ countryCode: 'US', smsAllowed: true, maxPerHour: 0 }] };
      expect(assess(input({}, policy)).reasons).toEqual(['COUNTRY_HOURLY_LIMIT']);
    });

    it('cannot apply country overrides to a number of unknown country', () => {
      const policy = { countries: [{ countryCode: 'US', smsAllowed: false, maxPerHour: 0 }] };
      expect(assess(input({ countryCode: null }, policy)).decision).toBe('ALLOW');
    });
  });

  describe('account daily cap', () => {
    it.each([
      [null, 1_000_000, 'ALLOW'],
      [5, 4, 'ALLOW'],
      [5, 5, 'BLOCK'],
      [0, 0, 'BLOCK'],
    ])('cap %s with %i sends in 24 hours → %s', (cap, sent, decision) => {
      const result = assess(
        input({ counters: { countryLastHour: 0, accountLastDay: sent } }, { maxSmsPerDay: cap }),
      );
      expect(result.decision).toBe(decision);
      expect(result.reasons).toEqual(decision === 'BLOCK' ? ['ACCOUNT_DAILY_LIMIT'] : []);
      expect(result.details.rules.find((r) => r.rule === 'ACCOUNT_DAILY_LIMIT')?.saw).toEqual({
        sentLast24Hours: sent,
        maxSmsPerDay: cap,
      });
    });
  });

  describe('Lookup facts', () => {
    it('blocks a number Lookup reports blocked, whatever its score', () => {
      const result = assess(input({ facts: { ...cleanNumber, numberBlocked: true } }));
      expect(result).toMatchObject({ decision: 'BLOCK', score: 100, reasons: ['NUMBER_BLOCKED'] });
    });

    it('blocks a line type on the block list, and nothing by default', () => {
      const voip = input({ facts: { ...cleanNumber, lineType: 'nonFixedVoip' } });
      expect(assess(voip).decision).toBe('ALLOW');
      const result = assess({
        ...voip,
        policy: { ...voip.policy, blockLineTypes: ['nonFixedVoip', 'premium'] },
      });
      expect(result.reasons).toEqual(['LINE_TYPE_BLOCKED']);
      expect(result.details.rules.find((r) => r.rule === 'LINE_TYPE_BLOCKED')?.saw).toEqual({
        lineType: 'nonFixedVoip',
        blockLineTypes: ['nonFixedVoip', 'premium'],
      });
    });

    it('decides without Lookup when it is unavailable and says so', () => {
      const result = assess(input({ facts: null }, { blockLineTypes: ['mobile'] }));
      expect(result).toMatchObject({ decision: 'ALLOW', score: 0, reasons: ['LOOKUP_UNAVAILABLE'] });
    });

    it('still applies the rate limits when Lookup is unavailable', () => {
      const result = assess(
        input({ facts: null, counters: { countryLastHour: 0, accountLastDay: 9 } }, { maxSmsPerDay: 9 }),
      );
      expect(result).toMatchObject({
        decision: 'BLOCK',
        reasons: ['ACCOUNT_DAILY_LIMIT', 'LOOKUP_UNAVAILABLE'],
      });
    });
  });

  it('lists every rule that fired, in evaluation order, with BLOCK winning over CHALLENGE', () => {
    const result = assess(
      input(
        {
          facts: { ...cleanNumber, smsPumpingRiskScore: 70, numberBlocked: true },
          counters: { countryLastHour: 1, accountLastDay: 1 },
        },
        { maxSmsPerDay: 1, countries: [{ countryCode: 'US', smsAllowed: false, maxPerHour: 1 }] },
      ),
    );
    expect(result.decision).toBe('BLOCK');
    expect(result.reasons).toEqual([
      'COUNTRY_SMS_DISABLED',
      'COUNTRY_HOURLY_LIMIT',
      'ACCOUNT_DAILY_LIMIT',
      'NUMBER_BLOCKED',
      'SMS_PUMPING_RISK_ELEVATED',
    ]);
  });

  describe('RECORD_ONLY mode', () => {
    it('allows, keeping the reasons, the score and the decision ENFORCE would take', () => {
      const result = assess({ ...withScore(95), policy: { ...defaultPolicy(), mode: 'RECORD_ONLY' } });
      expect(result).toMatchObject({
        decision: 'ALLOW',
        score: 100,
        reasons: ['SMS_PUMPING_RISK_HIGH'],
        mode: 'RECORD_ONLY',
      });
      expect(result.details.enforcedDecision).toBe('BLOCK');
    });

    it('records a would-be CHALLENGE the same way', () => {
      const result = assess({ ...withScore(61), policy: { ...defaultPolicy(), mode: 'RECORD_ONLY' } });
      expect(result.decision).toBe('ALLOW');
      expect(result.details.enforcedDecision).toBe('CHALLENGE');
    });
  });
});
