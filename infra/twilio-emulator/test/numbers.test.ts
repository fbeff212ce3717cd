import { describe, expect, it } from 'vitest';
import { matchIdentity, matchName } from '../src/identity-match.js';
import { NumberDirectory, deriveProfile } from '../src/numbers.js';
import { parsePhoneNumber } from '../src/phone-numbers.js';

const now = (): Date => new Date('2026-01-02T03:04:05Z');

describe('unseeded numbers', () => {
  it('read the same every time, and differently for another number', () => {
    expect(deriveProfile('+14155552671')).toEqual(deriveProfile('+14155552671'));
    const others = ['+14155552672', '+14155552673', '+14155552674'].map(deriveProfile);
    expect(others.some((profile) => profile.callerName !== deriveProfile('+14155552671').callerName)).toBe(
      true,
    );
  });

  it('have a carrier of their country and a risk category that fits the score', () => {
    const german = deriveProfile('+4915123456789');
    expect(german.mobileCountryCode).toBe('262');
    expect(german.lineType).toBe('mobile');
    const category = german.carrierRiskCategory;
    const score = german.smsPumpingRiskScore;
    expect(['low', 'mild', 'moderate', 'high'].indexOf(category)).toBe(Math.min(3, Math.floor(score / 25)));
  });
});

describe('seeding', () => {
  it('replaces a number, keeping derived values for what the seed leaves out', () => {
    const directory = new NumberDirectory([], now);
    const derived = deriveProfile('+14155552671');
    const seeded = directory.seed({
      phoneNumber: '+14155552671',
      callerName: 'Grace Hopper',
      smsPumpingRiskScore: 80,
    });
    expect(seeded).toMatchObject({
      callerName: 'Grace Hopper',
      firstName: 'Grace',
      lastName: 'Hopper',
      smsPumpingRiskScore: 80,
      carrierRiskCategory: 'high',
      carrierName: derived.carrierName,
      blocked: false,
      blockedAt: null,
    });
    expect(directory.seed({ phoneNumber: '+14155552671', blocked: true }).blockedAt).toEqual(now());
    expect(directory.profile('+14155552671').callerName).toBe(derived.callerName);
  });

  it("makes a seeded name a person's line unless the seed says BUSINESS", () => {
    const directory = new NumberDirectory([], now);
    const businessLines = Array.from(
      { length: 200 },
      (_, n) => `+1415700${String(n).padStart(4, '0')}`,
    ).filter((number) => deriveProfile(number).callerType === 'BUSINESS');
    expect(businessLines.length).toBeGreaterThan(0);
    for (const phoneNumber of businessLines) {
      expect(directory.seed({ phoneNumber, callerName: 'Ada Lovelace' }).callerType).toBe('CONSUMER');
      expect(directory.seed({ phoneNumber, callerName: 'Acme Ltd', callerType: 'BUSINESS' }).callerType).toBe(
        'BUSINESS',
      );
      expect(directory.seed({ phoneNumber, smsPumpingRiskScore: 3 }).callerType).toBe('BUSINESS');
    }
  });

  it('reset goes back to the fixtures', () => {
    const directory = new NumberDirectory([{ phoneNumber: '+14155550100', callerName: 'Ada Lovelace' }], now);
    directory.seed({ phoneNumber: '+14155550100', callerName: 'Someone Else' });
    directory.reset();
    expect(directory.profile('+14155550100').callerName).toBe('Ada Lovelace');
  });
});

describe('identity match', () => {
  it.each([
    ['Ada', 'Ada', 'exact_match'],
    ['ÁDA', 'ada', 'exact_match'],
    ['Lovelace', 'Lovelance', 'high_partial_match'],
    ['Jon', 'Jonathan', 'high_partial_match'],
    ['Katherine', 'Kathryn', 'partial_match'],
    ['Bob', 'Lovelace', 'no_match'],
    [undefined, 'Ada', 'no_data_available'],
    ['Ada', null, 'no_data_available'],
  ] as const)('%s against %s is %s', (claimed, onFile, level) => {
    expect(matchName(claimed, onFile)).toBe(level);
  });

  it('averages the compared names into the summary score', () => {
    const owner = { ...deriveProfile('+14155552671'), firstName: 'Ada', lastName: 'Lovelace' };
    expect(matchIdentity({ firstName: 'Ada', lastName: 'Lovelace' }, owner).summary_score).toBe(100);
    expect(matchIdentity({ firstName: 'Ada', lastName: 'Babbage' }, owner).summary_score).toBe(50);
    expect(matchIdentity({ firstName: 'Ada' }, owner)).toMatchObject({
      last_name_match: 'no_data_available',
      summary_score: 100,
    });
    expect(matchIdentity({}, owner).summary_score).toBe(0);
  });
});

describe('phone number parsing', () => {
  it.each([
    ['+1415', ['TOO_SHORT']],
    ['+141599299600', ['TOO_LONG']],
    ['+999123456', ['INVALID_COUNTRY_CODE']],
    ['hello', ['NOT_A_NUMBER']],
    ['+14155550100', []],
  ] as const)('%s has validation errors %j', (input, errors) => {
    const parsed = parsePhoneNumber(input);
    expect(parsed.validationErrors).toEqual(errors);
    expect(parsed.valid).toBe(errors.length === 0);
  });

  it('reads national format in the given country', () => {
    expect(parsePhoneNumber('030 1234567', 'DE')).toMatchObject({
      phoneNumber: '+49301234567',
      countryCode: 'DE',
      valid: true,
    });
  });
});
