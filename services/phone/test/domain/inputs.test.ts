import { describe, expect, it } from 'vitest';
import { twilioFailureKinds } from '@attestor/twilio';
import { bindingOf, readSolution, solutionProblem, type Challenge } from '../../src/domain/challenge.js';
import {
  friendlyNameOf,
  isCodeWellFormed,
  readCode,
  isDefaultCountryWellFormed,
  isLocaleWellFormed,
  providerChannel,
  readPhoneNumber,
} from '../../src/domain/inputs.js';
import { failedStepRefusal, phoneStepRefusal, type InquiryFacts } from '../../src/domain/inquiry.js';
import { settledStatus, shouldRetry, twilioOutcomeTable } from '../../src/domain/provider.js';
import { decideSend, otherChannelMessage, type RiskVerdict } from '../../src/domain/risk.js';
import { planStart, type ExistingVerification } from '../../src/domain/start.js';
import { hasExpired, retryAfterSeconds } from '../../src/domain/verification.js';

describe('phone numbers', () => {
  it('reads an international number into E.164, its country, a mask and its prefixes', () => {
    expect(readPhoneNumber(' +1 (415) 555-0134 ', null)).toEqual({
      ok: true,
      number: {
        e164: '+14155550134',
        countryCode: 'US',
        masked: '+1******0134',
        prefixes: ['+141555501', '+14155550', '+1415555'],
      },
    });
    expect(readPhoneNumber('+33612345678', null)).toMatchObject({ number: { countryCode: 'FR' } });
  });

  it('reads a national number in the country given', () => {
    expect(readPhoneNumber('020 7946 0958', 'GB')).toMatchObject({ number: { e164: '+442079460958' } });
    expect(readPhoneNumber('(415) 555-0134', 'US')).toMatchObject({ number: { e164: '+14155550134' } });
  });

  it.each([
    ['empty', '', null, /required/],
    ['national without a country', '4155550100', null, /international/],
    ['too short', '+1415555', null, /valid phone number/],
    ['too long', `+1${'5'.repeat(20)}`, null, /valid phone number/],
    ['10 kB', '5'.repeat(10_240), null, /at most 64/],
    ['letters', 'not a number', null, /Not a phone number/],
    ['emoji', '+1 415 555 📞', null, /Not a phone number/],
    ['a wrong country', '020 7946 0958', 'US', /valid phone number/],
    ['an unknown country code', '+999123456', null, /valid phone number/],
    ['a non-geographic number', '+80012345678', null, /Non-geographic/],
  ])('refuses %s, naming the problem and the field', (_what, input, country, message) => {
    const read = readPhoneNumber(input, country);
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.message).toMatch(/^Invalid phoneNumber: /);
      expect(read.message).toMatch(message);
    }
  });
});

describe('inputs', () => {
  it.each(['1234', '123456', '0000000000'])('accepts the code %s', (code) => {
    expect(isCodeWellFormed(code)).toBe(true);
  });
  it.each(['', '123', '12345678901', '12a456', ' 123456', '12 34'])('refuses the code "%s"', (code) => {
    expect(isCodeWellFormed(code)).toBe(false);
  });
  it.each([
    ['123456', '123456'],
    [' 123456\n', '123456'],
    ['123 456', '123456'],
    ['12-34-56', '123456'],
    ['１２３４５６', '123456'],
    ['١٢٣٤٥٦', '123456'],
    ['۱۲۳۴۵۶', '123456'],
    ['१२३४५६', '123456'],
  ])('reads the code %j as Twilio wants it, %s', (entered, code) => {
    expect(readCode(entered)).toBe(code);
  });
  it.each(['', '123', '12345678901', '12a456', '12.34.56', '١٢٣'])('reads no code from %j', (entered) => {
    expect(readCode(entered)).toBeNull();
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
  it('accepts countries with a numbering plan only', () => {
    expect(['US', 'gb', 'DE'].map(isDefaultCountryWellFormed)).toEqual([true, true, true]);
    expect(['XX', 'USA', '', '1'].map(isDefaultCountryWellFormed)).toEqual([false, false, false, false]);
  });
  it('maps every channel to Twilio and keeps friendly names within 30 characters', () => {
    expect(providerChannel).toEqual({ SMS: 'sms', CALL: 'call', WHATSAPP: 'whatsapp' });
    expect(friendlyNameOf('  Acme  ')).toBe('Acme');
    expect(friendlyNameOf('x'.repeat(40))).toHaveLength(30);
    expect(friendlyNameOf('   ')).toBeNull();
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

  it('knows an inquiry is failing from its own verifications', () => {
    expect(failedStepRefusal([{ status: 'CANCELED' }, { status: 'APPROVED' }])).toBeNull();
    for (const status of ['BLOCKED', 'MAX_ATTEMPTS_REACHED', 'FAILED', 'EXPIRED'] as const) {
      expect(failedStepRefusal([{ status: 'CANCELED' }, { status }])).toContain(status);
    }
  });
});

describe('risk decisions', () => {
  const assessed = (
    decision: 'ALLOW' | 'CHALLENGE' | 'BLOCK',
    reasons: string[] = [],
    suggestedChannel: 'SMS' | 'CALL' | null = null,
    challengeWork = 1,
  ): RiskVerdict => ({
    kind: 'assessed',
    assessmentId: 'ra_1',
    decision,
    reasons,
    suggestedChannel,
    challengeWork,
  });

  it('sends on ALLOW and remembers the assessment', () => {
    expect(decideSend(assessed('ALLOW'), 'closed', 'SMS')).toEqual({
      action: 'send',
      assessmentId: 'ra_1',
      assessmentSkipped: false,
    });
  });

  it('blocks on BLOCK with the rules that fired, and challenges on CHALLENGE', () => {
    expect(decideSend(assessed('BLOCK', ['COUNTRY_BLOCKED']), 'open', 'SMS')).toEqual({
      action: 'block',
      assessmentId: 'ra_1',
      reasons: ['COUNTRY_BLOCKED'],
    });
    expect(decideSend(assessed('BLOCK'), 'closed', 'SMS')).toMatchObject({ reasons: ['BLOCKED'] });
    expect(decideSend(assessed('CHALLENGE', ['HIGH_PUMPING_RISK']), 'closed', 'SMS')).toEqual({
      action: 'challenge',
      assessmentId: 'ra_1',
      reasons: ['HIGH_PUMPING_RISK'],
      work: 1,
    });
    // The work the fraud engine asks for a challenge is passed on to it.
    expect(decideSend(assessed('CHALLENGE', ['BREAKER_OPEN'], null, 4), 'closed', 'SMS')).toMatchObject({
      action: 'challenge',
      work: 4,
    });
  });

  it('names the channel that works when the fraud engine suggests another', () => {
    expect(decideSend(assessed('BLOCK', ['LANDLINE'], 'CALL'), 'closed', 'SMS')).toEqual({
      action: 'use-channel',
      assessmentId: 'ra_1',
      channel: 'CALL',
    });
    expect(decideSend(assessed('BLOCK', ['LANDLINE'], 'CALL'), 'closed', 'CALL')).toMatchObject({
      action: 'block',
    });
    expect(otherChannelMessage('SMS', 'CALL')).toMatch(/a voice call works/);
  });

  it('follows the fail mode when fraud did not answer', () => {
    expect(decideSend({ kind: 'unavailable' }, 'closed', 'SMS')).toEqual({ action: 'unassessed' });
    expect(decideSend({ kind: 'unavailable' }, 'open', 'SMS')).toEqual({
      action: 'send',
      assessmentId: null,
      assessmentSkipped: true,
    });
  });
});

describe('the Twilio outcome table', () => {
  it('has a row for every typed outcome of the adapter', () => {
    expect(Object.keys(twilioOutcomeTable).sort()).toEqual([...twilioFailureKinds].sort());
  });

  it('maps each documented code as the issue says', () => {
    expect(twilioOutcomeTable.invalid.send).toEqual({ kind: 'refuse', error: 'BAD_USER_INPUT' });
    expect(twilioOutcomeTable['max-check-attempts'].check).toMatchObject({ status: 'MAX_ATTEMPTS_REACHED' });
    expect(twilioOutcomeTable['max-send-attempts'].send).toEqual({ kind: 'refuse', error: 'RATE_LIMITED' });
    expect(twilioOutcomeTable.landline.send).toEqual({ kind: 'block', reason: 'PROVIDER_LANDLINE' });
    expect(twilioOutcomeTable['fraud-guard'].send).toEqual({ kind: 'block', reason: 'PROVIDER_FRAUD_GUARD' });
    expect(twilioOutcomeTable['geo-blocked'].send).toEqual({
      kind: 'block',
      reason: 'PROVIDER_GEO_PERMISSION',
    });
    expect(twilioOutcomeTable['not-found'].check).toEqual({ kind: 'follow' });
    expect(twilioOutcomeTable['not-found'].cancel).toEqual({ kind: 'ended' });
  });

  it('never retries an answer, retries 60212 once and throttling or outages up to the limit', () => {
    for (const kind of [
      'invalid',
      'max-check-attempts',
      'max-send-attempts',
      'landline',
      'fraud-guard',
      'geo-blocked',
      'not-found',
      'refused',
    ] as const) {
      expect(shouldRetry(kind, 1, 3)).toBe(false);
    }
    expect([1, 2].map((attempt) => shouldRetry('concurrent', attempt, 3))).toEqual([true, false]);
    for (const kind of ['rate-limited', 'unavailable'] as const) {
      expect([1, 2, 3].map((attempt) => shouldRetry(kind, attempt, 3))).toEqual([true, true, false]);
    }
  });

  it('maps what Twilio reports to the status a verification settles in', () => {
    expect(settledStatus('pending')).toBeNull();
    expect(settledStatus('approved')).toBe('APPROVED');
    expect(settledStatus('canceled')).toBe('CANCELED');
    expect(settledStatus('max_attempts_reached')).toBe('MAX_ATTEMPTS_REACHED');
    expect(settledStatus('failed')).toBe('FAILED');
    for (const state of ['expired', 'deleted', 'gone'] as const) expect(settledStatus(state)).toBe('EXPIRED');
  });

  it('expires at the deadline, and asks a rate-limited caller to wait until then', () => {
    const deadline = new Date('2026-11-26T10:10:00Z');
    expect(hasExpired(deadline, new Date('2026-11-26T10:09:59.999Z'))).toBe(false);
    expect(hasExpired(deadline, deadline)).toBe(true);
    const now = new Date('2026-11-26T10:00:00Z');
    expect(retryAfterSeconds(new Date('2026-11-26T10:05:00.200Z'), now)).toBe(301);
    expect(retryAfterSeconds(now, now)).toBe(1);
  });
});

describe('planning a start', () => {
  const now = new Date('2026-11-26T10:00:00Z');
  const start = {
    phoneHash: 'h1',
    channel: 'SMS' as const,
    withSolution: false,
    now,
    repeatWindowMs: 10_000,
  };
  const verification = (fields: Partial<ExistingVerification>): ExistingVerification => ({
    id: 'v',
    status: 'PENDING',
    phoneHash: 'h1',
    channel: 'SMS',
    lastAttemptAt: new Date(now.getTime() - 60_000),
    ...fields,
  });

  it('creates when the inquiry has nothing active, resends the same number, replaces another', () => {
    expect(planStart([], start)).toEqual({ kind: 'create' });
    expect(planStart([verification({ status: 'CANCELED' })], start)).toEqual({ kind: 'create' });
    expect(planStart([verification({})], start)).toMatchObject({ kind: 'resend' });
    expect(planStart([verification({ status: 'CHALLENGED' })], start)).toMatchObject({ kind: 'resend' });
    expect(planStart([verification({ phoneHash: 'h2' })], start)).toMatchObject({ kind: 'replace' });
  });

  it('answers a repeat within the window as it is, unless it carries a solution or another channel', () => {
    const recent = verification({ lastAttemptAt: new Date(now.getTime() - 2000) });
    expect(planStart([recent], start)).toMatchObject({ kind: 'repeat' });
    expect(planStart([{ ...recent, status: 'BLOCKED' }], start)).toMatchObject({ kind: 'repeat' });
    // An end a check reached is not what the start got: a start after it is refused, not repeated.
    expect(planStart([{ ...recent, status: 'MAX_ATTEMPTS_REACHED' }], start)).toMatchObject({
      kind: 'refuse',
    });
    expect(planStart([recent], { ...start, withSolution: true })).toMatchObject({ kind: 'resend' });
    expect(planStart([recent], { ...start, channel: 'CALL' })).toMatchObject({ kind: 'resend' });
    expect(planStart([recent], { ...start, repeatWindowMs: 0 })).toMatchObject({ kind: 'resend' });
  });

  it('refuses once a verification of the inquiry failed the step: attempts are never reset', () => {
    for (const status of ['MAX_ATTEMPTS_REACHED', 'BLOCKED', 'EXPIRED', 'FAILED'] as const) {
      expect(planStart([verification({ status, phoneHash: 'h2' })], start)).toMatchObject({ kind: 'refuse' });
    }
  });
});

describe('challenge solutions', () => {
  const salt = 'abc?v=ver_1&expires=1795000000&';
  const current: Challenge = { algorithm: 'SHA-256', challenge: 'c', salt, signature: 's', maxNumber: 10 };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
  const solution = { algorithm: 'SHA-256', challenge: 'c', number: 3, salt, signature: 's' } as const;

  it('reads the payload the widget sends, and nothing else', () => {
    expect(readSolution(encode(solution))).toEqual(solution);
    expect(readSolution('not base64 json')).toBeNull();
    expect(readSolution(encode({ ...solution, number: -1 }))).toBeNull();
    expect(readSolution(encode({ ...solution, algorithm: 'MD5' }))).toBeNull();
    expect(readSolution('A'.repeat(4096))).toBeNull();
  });

  it('binds a challenge to its verification and its expiry', () => {
    expect(bindingOf(salt)).toEqual({ verificationId: 'ver_1', expiresAt: new Date(1795000000 * 1000) });
    const before = new Date(1794999999 * 1000);
    expect(solutionProblem(solution, current, 'ver_1', before)).toBeNull();
    expect(solutionProblem(solution, null, 'ver_1', before)).toBe('not-challenged');
    expect(solutionProblem(solution, { ...current, salt: 'other' }, 'ver_1', before)).toBe('other-challenge');
    expect(solutionProblem(solution, current, 'ver_2', before)).toBe('other-verification');
    expect(solutionProblem(solution, current, 'ver_1', new Date(1795000000 * 1000))).toBe('expired');
  });
});
