import { describe, expect, it } from 'vitest';
import { lookupLineTypes } from '@attestor/contracts';
import {
  applyPolicyChange,
  defaultPolicy,
  PolicyRejected,
  type FraudPolicyChange,
} from '../src/domain/policy.js';

function rejection(change: FraudPolicyChange): { field: string; message: string } {
  try {
    applyPolicyChange(defaultPolicy(), change);
  } catch (error) {
    if (error instanceof PolicyRejected) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error('change was accepted');
}

describe('fraud policy changes', () => {
  // Issue 9 changed the default: line types that cannot take an SMS or bill above a mobile are refused
  // out of the box (a landline is offered a voice call instead); before, no line type was refused.
  it('defaults to ENFORCE with no overrides, the costly line types refused and no daily cap', () => {
    expect(defaultPolicy()).toEqual({
      mode: 'ENFORCE',
      countries: [],
      blockLineTypes: ['landline', 'premium', 'tollFree', 'sharedCost', 'uan', 'voicemail', 'pager'],
      callLineTypes: ['landline'],
      maxSmsPerDay: null,
      challengeAt: null,
      blockAt: null,
      challengeAcceptsCall: false,
    });
  });

  it('keeps absent fields, replaces given ones and clears a cap with null', () => {
    const current = applyPolicyChange(defaultPolicy(), {
      mode: 'RECORD_ONLY',
      maxSmsPerDay: 100,
      blockLineTypes: ['premium'],
    });
    expect(applyPolicyChange(current, { countries: [{ countryCode: 'gb', smsAllowed: false }] })).toEqual({
      ...defaultPolicy(),
      mode: 'RECORD_ONLY',
      countries: [{ countryCode: 'GB', smsAllowed: false, maxPerHour: null }],
      blockLineTypes: ['premium'],
      maxSmsPerDay: 100,
    });
    expect(applyPolicyChange(current, { maxSmsPerDay: null }).maxSmsPerDay).toBeNull();
    expect(applyPolicyChange(current, { blockLineTypes: [] }).blockLineTypes).toEqual([]);
  });

  it.each([
    ['XX', 'not a country'],
    ['USA', 'alpha-3'],
    ['', 'empty'],
    ['AQ', 'a country without phone numbers'],
  ])('refuses country code %j (%s)', (countryCode) => {
    expect(rejection({ countries: [{ countryCode, smsAllowed: true }] }).field).toBe(
      'countries[0].countryCode',
    );
  });

  it('refuses a country listed twice, naming the second', () => {
    const result = rejection({
      countries: [
        { countryCode: 'US', smsAllowed: true },
        { countryCode: 'GB', smsAllowed: true },
        { countryCode: 'us', smsAllowed: false },
      ],
    });
    expect(result).toEqual({ field: 'countries[2].countryCode', message: 'US is listed twice' });
  });

  it('refuses a negative hourly cap and accepts 0', () => {
    expect(rejection({ countries: [{ countryCode: 'US', smsAllowed: true, maxPerHour: -1 }] }).field).toBe(
      'countries[0].maxPerHour',
    );
    const policy = applyPolicyChange(defaultPolicy(), {
      countries: [{ countryCode: 'US', smsAllowed: true, maxPerHour: 0 }],
    });
    expect(policy.countries[0]?.maxPerHour).toBe(0);
  });

  it('refuses a negative daily cap', () => {
    expect(rejection({ maxSmsPerDay: -5 }).field).toBe('maxSmsPerDay');
  });

  it('refuses line types Lookup does not report, and duplicates', () => {
    expect(rejection({ blockLineTypes: ['mobile', 'VOIP'] }).field).toBe('blockLineTypes[1]');
    expect(rejection({ blockLineTypes: ['premium', 'premium'] }).field).toBe('blockLineTypes[1]');
  });

  it('refuses explicit nulls where a value is required', () => {
    expect(rejection({ mode: null }).field).toBe('mode');
    expect(rejection({ countries: null }).field).toBe('countries');
    expect(rejection({ blockLineTypes: null }).field).toBe('blockLineTypes');
  });
});

describe('the line types a policy may refuse', () => {
  it("are the contracts' Lookup line types: each accepted, anything else refused naming the field", () => {
    expect(
      applyPolicyChange(defaultPolicy(), { blockLineTypes: [...lookupLineTypes] }).blockLineTypes,
    ).toEqual([...lookupLineTypes]);
    expect(rejection({ blockLineTypes: ['mobile', 'satellite'] }).field).toBe('blockLineTypes[1]');
  });
});

describe('the policy fields of the layered engine', () => {
  const service = { challengeAt: 60, blockAt: 90 };

  it('takes its own thresholds, checked against each other as they will act', () => {
    expect(applyPolicyChange(defaultPolicy(), { challengeAt: 40, blockAt: 70 }, service)).toMatchObject({
      challengeAt: 40,
      blockAt: 70,
    });
    const reject = (change: Parameters<typeof applyPolicyChange>[1]) => {
      try {
        applyPolicyChange(defaultPolicy(), change, service);
      } catch (error) {
        if (error instanceof PolicyRejected) return error.field;
      }
      return 'accepted';
    };
    expect(reject({ challengeAt: 101 })).toBe('challengeAt');
    expect(reject({ blockAt: -1 })).toBe('blockAt');
    expect(reject({ challengeAt: 2.5 })).toBe('challengeAt');
    // 95 against the service's block threshold of 90: no challenge band would remain.
    expect(reject({ challengeAt: 95 })).toBe('challengeAt');
    expect(reject({ blockAt: 50 })).toBe('blockAt');
    expect(reject({ callLineTypes: ['fax'] })).toBe('callLineTypes[0]');
    expect(reject({ challengeAcceptsCall: null })).toBe('challengeAcceptsCall');
    expect(applyPolicyChange(defaultPolicy(), { challengeAt: null }, service).challengeAt).toBeNull();
  });
});
