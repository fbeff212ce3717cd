import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '@attestor/platform';
import { checkScopes, keyPrefix } from '../src/domain/api-keys.js';
import { isPublicAddress } from '../src/domain/addresses.js';
import { checkPageSize, decodeCursor, encodeCursor } from '../src/domain/cursor.js';
import {
  checkBirthdate,
  checkInquiryFields,
  checkPhoneNumber,
  checkReferenceId,
} from '../src/domain/fields.js';
import { canonicalJson, checkIdempotencyKey } from '../src/domain/idempotency.js';
import { maskFields } from '../src/domain/masking.js';
import { checkTemplate } from '../src/domain/template.js';
import {
  checkWebhookEvents,
  checkWebhookUrl,
  nextAttemptAt,
  retryDelayMs,
  signatureHeader,
  subscribesTo,
  webhookEventTypes,
} from '../src/domain/webhooks.js';
import { newId } from '../src/store/ids.js';

const today = new Date('2026-06-15T12:00:00Z');

function failure(run: () => unknown): { code: string; field: unknown } {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, field: error.extensions['field'] };
    throw error;
  }
  throw new Error('expected an error');
}

describe('inquiry fields', () => {
  it('normalizes good input', () => {
    expect(
      checkInquiryFields(
        {
          nameFirst: '  José  María ',
          nameLast: "O'Brien-Smith",
          nameMiddle: 'J.',
          birthdate: '1990-02-28',
          phoneNumber: '+1 (415) 555-0123',
        },
        today,
      ),
    ).toEqual({
      nameFirst: 'José María',
      nameMiddle: 'J.',
      nameLast: "O'Brien-Smith",
      birthdate: '1990-02-28',
      phoneNumber: '+14155550123',
    });
    expect(checkInquiryFields(null, today)).toEqual({
      nameFirst: null,
      nameMiddle: null,
      nameLast: null,
      birthdate: null,
      phoneNumber: null,
    });
  });

  it('accepts names in other scripts and with combining marks', () => {
    expect(checkInquiryFields({ nameFirst: 'Zoë', nameLast: '山田' }, today).nameLast).toBe('山田');
    expect(checkInquiryFields({ nameFirst: 'Nguyễn' }, today).nameFirst).toBe('Nguyễn');
  });

  it.each([
    ['nameFirst', ''],
    ['nameFirst', '   '],
    ['nameFirst', 'J'.repeat(101)],
    ['nameFirst', 'R2D2'],
    ['nameLast', 'Robert; DROP TABLE'],
    ['nameMiddle', '...'],
    ['nameLast', '<script>'],
  ])('refuses %s = %j with BAD_USER_INPUT naming fields.%s', (field, value) => {
    expect(failure(() => checkInquiryFields({ [field]: value }, today))).toEqual({
      code: 'BAD_USER_INPUT',
      field: `fields.${field}`,
    });
  });

  it.each([
    '1990-2-3',
    '19900203',
    '1990-02-30',
    '2023-02-29',
    '1900-01-01',
    '1899-12-31',
    '2026-06-15',
    '2030-01-01',
    'yesterday',
  ])('refuses birthdate %s', (birthdate) => {
    expect(failure(() => checkBirthdate(birthdate, today))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'fields.birthdate',
    });
  });

  it('accepts a leap day and the day before today', () => {
    expect(checkBirthdate('2024-02-29', today)).toBe('2024-02-29');
    expect(checkBirthdate('2026-06-14', today)).toBe('2026-06-14');
    expect(checkBirthdate('1900-01-02', today)).toBe('1900-01-02');
  });

  it.each(['415 555 0123', '+1 999 555 0123', '+999', '', 'phone', `+1${'5'.repeat(70)}`])(
    'refuses phone %j',
    (phone) => {
      expect(failure(() => checkPhoneNumber(phone))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'fields.phoneNumber',
      });
    },
  );

  it('parses international formats to E.164', () => {
    expect(checkPhoneNumber('+44 20 7946 0958')).toBe('+442079460958');
    expect(checkPhoneNumber('+33 6 12 34 56 78')).toBe('+33612345678');
  });

  it('checks the reference id', () => {
    expect(checkReferenceId('x'.repeat(255))).toHaveLength(255);
    expect(failure(() => checkReferenceId('x'.repeat(256)))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'referenceId',
    });
    expect(failure(() => checkReferenceId(''))).toEqual({ code: 'BAD_USER_INPUT', field: 'referenceId' });
  });
});

describe('masking', () => {
  it('keeps initials, hides birthdates, shows the calling code and last four digits', () => {
    expect(
      maskFields({
        nameFirst: 'Jane',
        nameMiddle: null,
        nameLast: 'Émile',
        birthdate: '1990-01-01',
        phoneNumber: '+14155554567',
      }),
    ).toEqual({
      nameFirst: 'J***',
      nameMiddle: null,
      nameLast: 'É***',
      birthdate: '****-**-**',
      phoneNumber: '+1******4567',
    });
    expect(
      maskFields({
        nameFirst: null,
        nameMiddle: null,
        nameLast: null,
        birthdate: null,
        phoneNumber: '+442079460958',
      }).phoneNumber,
    ).toBe('+44******0958');
  });
});

describe('templates', () => {
  it('fills the defaults', () => {
    expect(checkTemplate({ name: ' KYC ', steps: ['PHONE_OTP'] })).toEqual({
      name: 'KYC',
      steps: ['PHONE_OTP'],
      expiresInSeconds: 86_400,
      autoApproveAt: 'HIGH_PARTIAL_MATCH',
      whenNoNameData: 'REVIEW',
      identityMatch: false,
      redirectUrl: null,
    });
  });

  it.each([
    [{ name: '', steps: ['PHONE_OTP'] }, 'name'],
    [{ name: 'x'.repeat(101), steps: ['PHONE_OTP'] }, 'name'],
    [{ name: 'a', steps: [] }, 'steps'],
    [{ name: 'a', steps: ['PHONE_OTP', 'PHONE_OTP'] }, 'steps'],
    [{ name: 'a', steps: ['DATABASE_NAME_MATCH'] }, 'steps'],
    [{ name: 'a', steps: ['SELFIE'] }, 'steps'],
    [{ name: 'a', steps: ['PHONE_OTP'], expiresInSeconds: 299 }, 'expiresInSeconds'],
    [{ name: 'a', steps: ['PHONE_OTP'], expiresInSeconds: 2_592_001 }, 'expiresInSeconds'],
    [{ name: 'a', steps: ['PHONE_OTP'], expiresInSeconds: 1000.5 }, 'expiresInSeconds'],
    [{ name: 'a', steps: ['PHONE_OTP'], autoApproveAt: 'NO_MATCH' }, 'autoApproveAt'],
    [{ name: 'a', steps: ['PHONE_OTP'], autoApproveAt: 'NO_DATA_AVAILABLE' }, 'autoApproveAt'],
    [{ name: 'a', steps: ['PHONE_OTP'], whenNoNameData: 'MAYBE' }, 'whenNoNameData'],
    [{ name: 'a', steps: ['PHONE_OTP'], redirectUrl: 'http://bank.example/done' }, 'redirectUrl'],
    [{ name: 'a', steps: ['PHONE_OTP'], redirectUrl: 'http://10.0.0.1/done' }, 'redirectUrl'],
    [{ name: 'a', steps: ['PHONE_OTP'], redirectUrl: 'javascript:alert(1)' }, 'redirectUrl'],
    [{ name: 'a', steps: ['PHONE_OTP'], redirectUrl: 'data:text/html,hi' }, 'redirectUrl'],
    [{ name: 'a', steps: ['PHONE_OTP'], redirectUrl: '/done' }, 'redirectUrl'],
    [{ name: 'a', steps: ['PHONE_OTP'], redirectUrl: '//bank.example/done' }, 'redirectUrl'],
    [{ name: 'a', steps: ['PHONE_OTP'], redirectUrl: 'https://user:pw@bank.example/' }, 'redirectUrl'],
    [
      { name: 'a', steps: ['PHONE_OTP'], redirectUrl: `https://bank.example/${'x'.repeat(2030)}` },
      'redirectUrl',
    ],
  ])('refuses %j (field %s)', (input, field) => {
    expect(failure(() => checkTemplate(input))).toEqual({ code: 'BAD_USER_INPUT', field });
  });

  it('takes an https redirect URL (http only to a loopback host), or none', () => {
    const redirect = (redirectUrl: string | null) =>
      checkTemplate({ name: 'a', steps: ['PHONE_OTP'], redirectUrl }).redirectUrl;
    expect(redirect(' https://bank.example/kyc/done?step=2 ')).toBe('https://bank.example/kyc/done?step=2');
    expect(redirect('https://BANK.example')).toBe('https://bank.example/');
    expect(redirect('http://localhost:3000/done')).toBe('http://localhost:3000/done');
    expect(redirect('http://127.0.0.1:3000/done')).toBe('http://127.0.0.1:3000/done');
    expect(redirect('http://[::1]/done')).toBe('http://[::1]/done');
    expect(redirect(`https://bank.example/${'x'.repeat(2000)}`)).toHaveLength(2000 + 21);
    expect(redirect('')).toBeNull();
    expect(redirect(null)).toBeNull();
  });

  it('accepts the bounds of expiresInSeconds', () => {
    expect(checkTemplate({ name: 'a', steps: ['PHONE_OTP'], expiresInSeconds: 300 }).expiresInSeconds).toBe(
      300,
    );
    expect(
      checkTemplate({ name: 'a', steps: ['PHONE_OTP'], expiresInSeconds: 2_592_000 }).expiresInSeconds,
    ).toBe(2_592_000);
  });
});

describe('cursors and page sizes', () => {
  it('round-trips an id and refuses anything else', () => {
    const id = newId();
    expect(decodeCursor(encodeCursor(id))).toBe(id);
    for (const bad of [
      '',
      'abc',
      Buffer.from('inquiry:not-a-uuid').toString('base64url'),
      Buffer.from(id).toString('base64url'),
      '%%%',
    ]) {
      expect(failure(() => decodeCursor(bad))).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  });

  it('allows 1 to 100', () => {
    expect(checkPageSize(undefined)).toBe(20);
    expect(checkPageSize(100)).toBe(100);
    for (const bad of [0, -1, 101, 2.5])
      expect(failure(() => checkPageSize(bad))).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});

describe('ids', () => {
  it('are strictly increasing within one millisecond', () => {
    const now = Date.now();
    const ids = Array.from({ length: 1000 }, () => newId(now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('idempotency', () => {
  it('spells equal inputs alike whatever the key order or omitted nulls', () => {
    expect(canonicalJson({ b: 1, a: { d: null, c: [1, 'x'] } })).toBe(
      canonicalJson({ a: { c: [1, 'x'] }, b: 1 }),
    );
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
  });

  it('checks the key length', () => {
    expect(checkIdempotencyKey(undefined)).toBeNull();
    expect(checkIdempotencyKey('k'.repeat(255))).toHaveLength(255);
    expect(failure(() => checkIdempotencyKey(''))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'idempotencyKey',
    });
    expect(failure(() => checkIdempotencyKey('k'.repeat(256)))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'idempotencyKey',
    });
  });
});

describe('api key scopes', () => {
  it('defaults to pii:read, accepts none, refuses unknown scopes and scopes the grantor lacks', () => {
    expect(checkScopes(undefined)).toEqual(['pii:read']);
    expect(checkScopes([])).toEqual([]);
    expect(checkScopes(['pii:read', 'pii:read'], ['pii:read'])).toEqual(['pii:read']);
    expect(failure(() => checkScopes(['admin']))).toEqual({ code: 'BAD_USER_INPUT', field: 'scopes' });
    expect(failure(() => checkScopes(['pii:read'], []))).toEqual({ code: 'FORBIDDEN', field: undefined });
    expect(keyPrefix('sk_abcdefghijklmnop')).toBe('sk_abcdefgh');
  });
});

describe('webhook addresses', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a00:1',
    '[::1]',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});

describe('webhook registration input', () => {
  it.each([
    ['ftp://example.com/hook', 'url'],
    ['file:///etc/passwd', 'url'],
    ['not a url', 'url'],
    ['https://user:pass@example.com/hook', 'url'],
    [`https://example.com/${'a'.repeat(2048)}`, 'url'],
  ])('refuses the URL %s', (url, field) => {
    expect(failure(() => checkWebhookUrl(url))).toEqual({ code: 'BAD_USER_INPUT', field });
  });

  it('offers the inquiry events and inquiry.*', () => {
    expect(webhookEventTypes).toContain('inquiry.approved');
    expect(webhookEventTypes).not.toContain('inquiry.api-key.revoked');
    expect(checkWebhookEvents(['inquiry.*', 'inquiry.*'])).toEqual(['inquiry.*']);
    for (const bad of [
      [],
      ['phone.verification.started'],
      ['inquiry.api-key.revoked'],
      ['inquiry.approve'],
    ]) {
      expect(failure(() => checkWebhookEvents(bad))).toEqual({ code: 'BAD_USER_INPUT', field: 'events' });
    }
    expect(subscribesTo(['inquiry.*'], 'inquiry.created')).toBe(true);
    expect(subscribesTo(['inquiry.approved'], 'inquiry.created')).toBe(false);
    expect(subscribesTo(['inquiry.*'], 'inquiry.api-key.revoked')).toBe(false);
  });
});

describe('webhook signature and retry schedule', () => {
  it('signs "<t>.<body>" with HMAC-SHA256', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const header = signatureHeader('whsec_test', '{"a":1}', at);
    const t = at.getTime() / 1000;
    expect(header).toBe(
      `t=${t},v1=${createHmac('sha256', 'whsec_test').update(`${t}.{"a":1}`).digest('hex')}`,
    );
  });

  it('doubles from 30 s to a one-hour cap, ±20 % jitter', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map((n) => retryDelayMs(n, middle))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
    expect(retryDelayMs(1, () => 0)).toBe(24_000);
    expect(retryDelayMs(1, () => 1)).toBe(36_000);
  });

  it('retries until the window ends, the last attempt at its very end, then gives up', () => {
    const created = new Date('2026-01-01T00:00:00Z');
    const until = new Date(created.getTime() + 25 * 3_600_000);
    expect(nextAttemptAt(1, created, until, () => 0.5)).toEqual(new Date(created.getTime() + 30_000));
    const late = new Date(until.getTime() - 60_000);
    expect(nextAttemptAt(30, late, until, () => 0.5)).toEqual(until);
    expect(nextAttemptAt(31, until, until)).toBeNull();
  });
});
