import { CombinedError } from 'urql';
import { describe, expect, it } from 'vitest';
import { apiErrorOf } from '../../web/src/api/errors.js';
import type { HostedVerificationFragment } from '../../web/src/graphql/generated.js';
import { messages, pickLanguage, translate, translatePlural } from '../../web/src/i18n/messages.js';
import {
  attemptsLeft,
  continueUrl,
  mergeVerifications,
  screenOf,
  secondsUntilResend,
  spreadDigits,
} from '../../web/src/verify/flow.js';
import { defaultCountry, formatAsTyped, toE164 } from '../../web/src/verify/phone.js';
import { tokenFromFragment } from '../../web/src/verify/link.js';
import { endsSession, errorMessage } from '../../web/src/verify/messages-for-errors.js';
import { createChallenge, solveChallenge, verifySolution } from 'altcha-lib/v1';
import { chunksOf, percentOf, solutionPayload } from '../../web/src/verify/challenge.js';

const verification = (overrides: Partial<HostedVerificationFragment> = {}): HostedVerificationFragment => ({
  id: 'v1',
  status: 'PENDING',
  channel: 'SMS',
  phoneNumberMasked: '+1******0100',
  countryCode: 'US',
  checkAttempts: 0,
  sendAttempts: 1,
  createdAt: '2026-11-01T10:00:00.000Z',
  expiresAt: '2026-11-01T10:10:00.000Z',
  approvedAt: null,
  challenge: null,
  ...overrides,
});

describe('screenOf', () => {
  it('asks for the number first, then the code, and ends on the outcome of the newest verification', () => {
    expect(screenOf({ status: 'CREATED', phoneVerifications: [] }).kind).toBe('phone');
    expect(screenOf({ status: 'PENDING', phoneVerifications: [verification()] }).kind).toBe('code');
    expect(
      screenOf({ status: 'PENDING', phoneVerifications: [verification({ status: 'CANCELED' })] }).kind,
    ).toBe('phone');
    expect(
      screenOf({ status: 'PENDING', phoneVerifications: [verification({ status: 'APPROVED' })] }).kind,
    ).toBe('finishing');
    const ended = (status: HostedVerificationFragment['status']) =>
      screenOf({ status: 'FAILED', phoneVerifications: [verification({ status })] }).kind;
    expect(ended('BLOCKED')).toBe('blocked');
    expect(ended('MAX_ATTEMPTS_REACHED')).toBe('too-many-attempts');
    expect(ended('EXPIRED')).toBe('code-expired');
    expect(ended('FAILED')).toBe('failed');
    expect(ended('PENDING')).toBe('failed');
  });

  it('shows the done page once decided, whatever the decision, and the expired page for an expired inquiry', () => {
    for (const status of ['COMPLETED', 'APPROVED', 'DECLINED', 'NEEDS_REVIEW'] as const) {
      expect(screenOf({ status, phoneVerifications: [verification({ status: 'APPROVED' })] }).kind).toBe(
        'done',
      );
    }
    expect(screenOf({ status: 'EXPIRED', phoneVerifications: [verification()] }).kind).toBe('expired');
  });
});

describe('the code boxes', () => {
  const blank = ['', '', '', '', '', ''];

  it('spread a whole code pasted into any box over all six', () => {
    expect(spreadDigits(blank, 0, '123456')).toEqual({ digits: ['1', '2', '3', '4', '5', '6'], focus: 5 });
    expect(spreadDigits(blank, 3, '12 34-56')).toEqual({ digits: ['1', '2', '3', '4', '5', '6'], focus: 5 });
  });

  it('put a typed digit in its box and move on; drop what is not a digit', () => {
    expect(spreadDigits(blank, 2, '7')).toEqual({ digits: ['', '', '7', '', '', ''], focus: 3 });
    expect(spreadDigits(['1', '', '', '', '', ''], 1, 'x')).toEqual({
      digits: ['1', '', '', '', '', ''],
      focus: 1,
    });
  });

  it('count the attempts left from Twilio Verify five, and the seconds until a resend', () => {
    expect(attemptsLeft(1)).toBe(4);
    expect(attemptsLeft(7)).toBe(0);
    expect(secondsUntilResend(0, 1_000)).toBe(29);
    expect(secondsUntilResend(0, 31_000)).toBe(0);
  });
});

describe('the proof-of-work challenge', () => {
  it('is a screen of its own while CHALLENGED, unless the inquiry failed', () => {
    const challenged = verification({ status: 'CHALLENGED', sendAttempts: 0 });
    expect(screenOf({ status: 'CREATED', phoneVerifications: [challenged] }).kind).toBe('challenge');
    expect(screenOf({ status: 'FAILED', phoneVerifications: [challenged] }).kind).toBe('failed');
  });

  it('walks 0..maxNumber in chunks with no gap and no overlap', () => {
    expect(chunksOf(12, 5)).toEqual([
      { start: 0, end: 4 },
      { start: 5, end: 9 },
      { start: 10, end: 12 },
    ]);
    expect(chunksOf(4, 5)).toEqual([{ start: 0, end: 4 }]);
    expect(percentOf(5, 10)).toBe(50);
    expect(percentOf(11, 10)).toBe(100);
  });

  it('answers with the payload altcha-lib verifies on the server, and a wrong number fails it', async () => {
    const hmacKey = 'test-key';
    const issued = await createChallenge({ hmacKey, maxnumber: 2000, params: { v: 'v1' } });
    const work = {
      algorithm: issued.algorithm,
      challenge: issued.challenge,
      salt: issued.salt,
      signature: issued.signature,
      maxNumber: 2000,
    };
    const found = await solveChallenge(work.challenge, work.salt, work.algorithm, work.maxNumber).promise;
    expect(found).not.toBeNull();
    const payload = solutionPayload(work, found!.number);
    expect(await verifySolution(payload, hmacKey, false)).toBe(true);
    expect(await verifySolution(solutionPayload(work, found!.number + 1), hmacKey, false)).toBe(false);
    expect(JSON.parse(Buffer.from(payload, 'base64').toString('utf8'))).toEqual({
      algorithm: 'SHA-256',
      challenge: work.challenge,
      number: found!.number,
      salt: work.salt,
      signature: work.signature,
    });
  });
});

describe('continueUrl', () => {
  it("adds the inquiry's id to the template's redirect URL, and gives none without one", () => {
    expect(continueUrl('https://bank.example/done?step=2', 'inq-1')).toBe(
      'https://bank.example/done?step=2&inquiry-id=inq-1',
    );
    expect(continueUrl('https://bank.example/done?inquiry-id=forged', 'inq-1')).toBe(
      'https://bank.example/done?inquiry-id=inq-1',
    );
    expect(continueUrl(null, 'inq-1')).toBeNull();
    expect(continueUrl('javascript:alert(1)', 'inq-1')).toBeNull();
  });
});

describe('mergeVerifications', () => {
  it("takes a mutation's answer on a tie: a resend that was challenged, then one that went out", () => {
    const pending = verification();
    const challenged = verification({ status: 'CHALLENGED' });
    expect(mergeVerifications([pending], [challenged])[0]?.status).toBe('CHALLENGED');
    const sent = verification({ sendAttempts: 2 });
    expect(mergeVerifications([challenged], [sent])[0]).toEqual(sent);
  });

  it('keeps what a mutation returned when it knows more, and puts a new verification first', () => {
    const fromInquiry = [verification({ checkAttempts: 0 })];
    const checked = verification({ checkAttempts: 2 });
    expect(mergeVerifications(fromInquiry, [checked])).toEqual([checked]);
    expect(
      mergeVerifications([verification({ status: 'APPROVED', checkAttempts: 1 })], [checked])[0]?.status,
    ).toBe('APPROVED');
    const newer = verification({ id: 'v2', createdAt: '2026-11-01T10:05:00.000Z' });
    expect(mergeVerifications(fromInquiry, [newer]).map((v) => v.id)).toEqual(['v2', 'v1']);
  });
});

describe('phone numbers', () => {
  it('start on the newest verification, else the number the partner gave, else the browser region', () => {
    expect(
      defaultCountry({ verificationCountry: 'MX', inquiryPhone: '+34*****6789', languages: ['en-US'] }),
    ).toBe('MX');
    expect(defaultCountry({ inquiryPhone: '+34*****6789', languages: ['en-US'] })).toBe('ES');
    // +1 is shared: the browser's region wins among the countries that have it, else the main one (US).
    expect(defaultCountry({ inquiryPhone: '+1******0100', languages: ['en-CA'] })).toBe('CA');
    expect(defaultCountry({ inquiryPhone: '+1******0100', languages: ['es-ES'] })).toBe('US');
    expect(defaultCountry({ languages: ['es-MX', 'en'] })).toBe('MX');
    expect(defaultCountry({ languages: [] })).toBe('US');
  });

  it('format as typed, follow a typed +country, and give E.164 only for a valid number', () => {
    expect(formatAsTyped('4155550100', 'US').text).toBe('(415) 555-0100');
    expect(formatAsTyped('+34 612', 'US').country).toBe('ES');
    expect(toE164('(415) 555-0100', 'US')).toBe('+14155550100');
    expect(toE164('415 555', 'US')).toBeNull();
  });
});

describe('the session token', () => {
  it('is read from the fragment only when it looks like one', () => {
    expect(tokenFromFragment('#token=st_abc.DEF-_1')).toBe('st_abc.DEF-_1');
    expect(tokenFromFragment('#token=sk_secret')).toBeNull();
    expect(tokenFromFragment('#other=1')).toBeNull();
  });
});

describe('the strings', () => {
  it('speak the browser language when we have it, else English', () => {
    expect(pickLanguage(['es-419', 'en'])).toBe('es');
    expect(pickLanguage(['fr-FR'])).toBe('en');
  });

  it('exist in every language, non-empty, with the same placeholders', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, english] of Object.entries(messages.en)) {
      const spanish = messages.es[key as keyof typeof messages.en];
      expect(spanish, key).not.toBe('');
      expect(placeholders(spanish), key).toEqual(placeholders(english));
    }
  });

  it('fill placeholders and choose the plural form', () => {
    expect(translate('en', 'error.rateLimited', { seconds: 5 })).toBe(
      'Too many requests. Please wait 5 s and try again.',
    );
    expect(translatePlural('en', 'code.wrong', 1)).toContain('1 attempt left');
    expect(translatePlural('es', 'code.wrong', 3)).toContain('Te quedan 3 intentos');
  });
});

describe("the hosted flow's words for API errors", () => {
  it('are kind and specific for a provider error, a rate limit and a lost connection', () => {
    expect(errorMessage({ code: 'PROVIDER_ERROR', message: 'Twilio 503' })).toEqual({
      key: 'error.provider',
    });
    expect(errorMessage({ code: 'RATE_LIMITED', message: 'x', retryAfterSeconds: 12 })).toEqual({
      key: 'error.rateLimited',
      vars: { seconds: 12 },
    });
    expect(errorMessage({ code: 'NETWORK', message: 'x' })).toEqual({ key: 'error.network' });
    expect(errorMessage({ code: 'INTERNAL', message: 'stack trace?' })).toEqual({ key: 'error.unknown' });
  });

  it('say a database blip on our side is brief, from the reason the API gives', () => {
    const error = apiErrorOf(
      new CombinedError({
        graphQLErrors: [
          {
            message: 'Temporarily unavailable: the service could not reach its database; try again shortly',
            extensions: { code: 'INTERNAL', reason: 'TEMPORARILY_UNAVAILABLE' },
          },
        ],
      }),
    );
    expect(error).toMatchObject({ code: 'INTERNAL', reason: 'TEMPORARILY_UNAVAILABLE' });
    expect(errorMessage(error)).toEqual({ key: 'error.unavailable' });
    expect(translate('es', 'error.unavailable')).toContain('Inténtalo de nuevo');
  });

  it('end the session for an expired or foreign token only', () => {
    expect(endsSession({ code: 'UNAUTHENTICATED', message: '' })).toBe(true);
    expect(endsSession({ code: 'FORBIDDEN', message: '' })).toBe(true);
    expect(endsSession({ code: 'PROVIDER_ERROR', message: '' })).toBe(false);
  });
});
