import { describe, expect, it } from 'vitest';
import {
  isCodeWellFormed,
  isLocaleWellFormed,
  isPhoneChannel,
  providerChannel,
} from '../../src/domain/inputs.js';
import { parsePhoneNumber } from '../../src/domain/phone-number.js';
import { phoneStepRefusal, type InquiryFacts } from '../../src/domain/inquiry.js';
import { hasExpired, retryAfterSeconds, settledStatus } from '../../src/domain/provider.js';
import { CHALLENGE_REQUIRED, decideSend } from '../../src/domain/risk.js';

describe('phone numbers', () => {
  it('reads an international number into E.164, its country and a mask', () => {
    expect(parsePhoneNumber(' +1 (415) 555-0134 ')).toEqual({
      e164: '+14155550134',
      countryCode: 'US',
      masked: '+1******0134',
    });
    expect(parsePhoneNumber('+33612345678')).toMatchObject({ e164: '+33612345678', countryCode: 'FR' });
  });

  it.each([
    ['empty', ''],
    ['national format (no country)', '4155550100'],
    ['too short', '+1415555'],
    ['letters', 'not a number'],
    ['a number inside text', 'call +14155550100 now'],
    ['an unknown country code', '+999123456'],
    ['a non-geographic number', '+80012345678'],
    ['absurdly long input', `+1${'5'.repeat(80)}`],
  ])('refuses %s', (_what, input) => {
    expect(parsePhoneNumber(input)).toBeNull();
  });
});

describe('inputs', () => {
  it.each(['1234', '123456', '0000000000'])('accepts the code %s', (code) => {
    expect(isCodeWellFormed(code)).toBe(true);
  });
  it.each(['', '123', '12345678901', '12a456', ' 123456', '12 34'])('refuses the code "%s"', (code) => {
    expect(isCodeWellFormed(code)).toBe(false);
  });
  it.each(['en', 'pt-BR', 'zh-HK', 'fr'])('accepts the locale %s', (locale) => {
    expect(isLocaleWellFormed(locale)).toBe(true);
  });
  it.each(['', 'english', 'EN', 'en_US', 'en-', 'e', 'en-US-x-private'])(
    'refuses the locale "%s"',
    (locale) => {
      expect(isLocaleWellFormed(locale)).toBe(false);
    },
  );
  it('maps every channel to Twilio', () => {
    expect(providerChannel).toEqual({ SMS: 'sms', CALL: 'call', WHATSAPP: 'whatsapp' });
    expect(isPhoneChannel('SMS')).toBe(true);
    expect(isPhoneChannel('sms')).toBe(false);
    expect(isPhoneChannel('EMAIL')).toBe(false);
  });
});

describe('inquiry eligibility', () => {
  const now = new Date('2026-11-26T10:00:00Z');
  const open: InquiryFacts = {
    status: 'CREATED',
    steps: ['PHONE_OTP', 'DATABASE_NAME_MATCH'],
    expiresAt: new Date('2026-11-27T10:00:00Z'),
    redacted: false,
  };

  it('lets CREATED and PENDING inquiries with a phone step verify', () => {
    expect(phoneStepRefusal(open, now)).toBeNull();
    expect(phoneStepRefusal({ ...open, status: 'PENDING' }, now)).toBeNull();
  });

  it.each(['COMPLETED', 'FAILED', 'EXPIRED', 'NEEDS_REVIEW', 'APPROVED', 'DECLINED'] as const)(
    'refuses a %s inquiry',
    (status) => {
      expect(phoneStepRefusal({ ...open, status }, now)).toContain(status);
    },
  );

  it('refuses a redacted, a past-deadline and a phone-less inquiry', () => {
    expect(phoneStepRefusal({ ...open, redacted: true }, now)).toMatch(/redacted/);
    expect(phoneStepRefusal({ ...open, expiresAt: now }, now)).toMatch(/expired/);
    expect(phoneStepRefusal({ ...open, steps: ['DATABASE_NAME_MATCH'] }, now)).toMatch(
      /no phone verification step/,
    );
  });
});

describe('risk decisions', () => {
  const assessed = (decision: 'ALLOW' | 'CHALLENGE' | 'BLOCK', reasons: string[] = []) =>
    ({ kind: 'assessed', assessmentId: 'ra_1', decision, reasons }) as const;

  it('sends on ALLOW and remembers the assessment', () => {
    expect(decideSend(assessed('ALLOW'), 'closed')).toEqual({
      action: 'send',
      assessmentId: 'ra_1',
      assessmentSkipped: false,
    });
  });

  it('blocks on BLOCK with the rules that fired', () => {
    expect(decideSend(assessed('BLOCK', ['COUNTRY_BLOCKED']), 'open')).toEqual({
      action: 'block',
      assessmentId: 'ra_1',
      reasons: ['COUNTRY_BLOCKED'],
    });
    expect(decideSend(assessed('BLOCK'), 'closed')).toMatchObject({ reasons: ['BLOCKED'] });
  });

  it('treats CHALLENGE as a block until the challenge flow exists', () => {
    expect(decideSend(assessed('CHALLENGE', ['HIGH_PUMPING_RISK']), 'closed')).toEqual({
      action: 'block',
      assessmentId: 'ra_1',
      reasons: [CHALLENGE_REQUIRED, 'HIGH_PUMPING_RISK'],
    });
  });

  it('follows the fail mode when fraud did not answer', () => {
    expect(decideSend({ kind: 'unavailable' }, 'closed')).toEqual({ action: 'refuse' });
    expect(decideSend({ kind: 'unavailable' }, 'open')).toEqual({
      action: 'send',
      assessmentId: null,
      assessmentSkipped: true,
    });
  });
});

describe('provider states', () => {
  it('maps what Twilio reports to the status a pending verification settles in', () => {
    expect(settledStatus('pending')).toBeNull();
    expect(settledStatus('approved')).toBe('APPROVED');
    expect(settledStatus('canceled')).toBe('CANCELED');
    expect(settledStatus('max_attempts_reached')).toBe('MAX_ATTEMPTS_REACHED');
    expect(settledStatus('failed')).toBe('FAILED');
    expect(settledStatus('expired')).toBe('EXPIRED');
    expect(settledStatus('deleted')).toBe('EXPIRED');
    expect(settledStatus('gone')).toBe('EXPIRED');
  });

  it('expires at the deadline, not a moment later', () => {
    const deadline = new Date('2026-11-26T10:10:00Z');
    expect(hasExpired(deadline, new Date('2026-11-26T10:09:59.999Z'))).toBe(false);
    expect(hasExpired(deadline, deadline)).toBe(true);
  });

  it('asks a rate-limited caller to wait until the verification ends, at least a second', () => {
    const now = new Date('2026-11-26T10:00:00Z');
    expect(retryAfterSeconds(new Date('2026-11-26T10:05:00.200Z'), now)).toBe(301);
    expect(retryAfterSeconds(now, now)).toBe(1);
  });
});
