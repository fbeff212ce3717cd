/** The step ends: out of attempts for good, one active verification per inquiry, inputs, events, the inquiry race. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PiiCipher } from '@attestor/platform';
import { errorOf, PhoneHarness } from './harness.js';

const h = new PhoneHarness();

beforeAll(() => h.start());
afterAll(() => h.stop());

const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

describe('out of attempts', () => {
  it('survives a restart of the service, ends on the fifth wrong code, and nothing reopens it', async () => {
    const { inquiry, verification, phoneNumber } = await h.started();
    const bad = wrong(await h.code(phoneNumber));
    for (let i = 1; i <= 3; i++) await h.check(h.partner(), verification.id, bad);
    await h.restart();
    expect((await h.check(h.partner(), verification.id, bad)).verification?.checkAttempts).toBe(4);
    const fifth = await h.check(h.partner(), verification.id, bad);
    expect(fifth.verification).toMatchObject({ status: 'MAX_ATTEMPTS_REACHED', checkAttempts: 5 });
    await h.event('phone.verification.failed', verification.id);

    const mark = h.twilioRequests.length;
    const asks = h.fraudAsks.length;
    for (const phone of [phoneNumber, h.phoneNumber()]) {
      const again = await h.startVerification(h.partner(), { inquiryId: inquiry.id, phoneNumber: phone });
      expect(errorOf(again.result)).toMatchObject({
        code: 'BAD_USER_INPUT',
        extensions: { field: 'inquiryId' },
      });
      expect(errorOf(again.result).message).toContain('MAX_ATTEMPTS_REACHED');
    }
    const right = await h.check(h.partner(), verification.id, await h.code(phoneNumber));
    expect(errorOf(right.result).message).toContain('MAX_ATTEMPTS_REACHED');
    expect(h.verifySince(mark)).toEqual([]);
    expect(h.fraudAsks.length).toBe(asks);
  });
});

describe('one active verification per inquiry', () => {
  it('cancels the old one, at Twilio too, when the inquiry starts again with another number', async () => {
    const inquiry = h.inquiry();
    const old = await h.started(inquiry);
    const oldCode = await h.code(old.phoneNumber);
    const mark = h.twilioRequests.length;
    const other = h.phoneNumber();
    const { verification } = await h.startVerification(h.partner(), {
      inquiryId: inquiry.id,
      phoneNumber: other,
    });
    expect(verification).toMatchObject({ status: 'PENDING' });
    expect(verification!.id).not.toBe(old.verification.id);
    expect(h.verifySince(mark)).toEqual(['update 200', 'send 201']);
    expect(await h.row(old.verification.id)).toMatchObject({ status: 'CANCELED' });
    await h.event('phone.verification.canceled', old.verification.id);
    expect(errorOf((await h.check(h.partner(), old.verification.id, oldCode)).result).message).toContain(
      'CANCELED',
    );
  });

  it('answers a repeat of the start at once without sending; later, the same number is a resend', async () => {
    const inquiry = h.inquiry();
    const first = await h.started(inquiry);
    let mark = h.twilioRequests.length;
    const repeat = await h.startVerification(h.partner(), {
      inquiryId: inquiry.id,
      phoneNumber: first.phoneNumber,
    });
    expect(repeat.verification).toMatchObject({ id: first.verification.id, sendAttempts: 1 });
    expect(h.verifySince(mark)).toEqual([]);

    h.clock.advanceBy(11_000);
    mark = h.twilioRequests.length;
    const resend = await h.startVerification(h.partner(), {
      inquiryId: inquiry.id,
      phoneNumber: first.phoneNumber,
    });
    expect(resend.verification).toMatchObject({ id: first.verification.id, sendAttempts: 2 });
    expect(h.verifySince(mark)).toEqual(['send 201']);
    const resent = await h.event('phone.verification.resent', first.verification.id);
    expect(resent.data).toMatchObject({ sendCount: 2, channel: 'SMS' });
  });
});

describe('inputs', () => {
  it.each([
    ['letters', 'call me maybe', null],
    ['too short', '+1415555', null],
    ['too long', '+141555501234567890', null],
    ['a number of another country', '020 7946 0958', 'US'],
    ['empty', '', null],
    ['10 kB', '4'.repeat(10_240), null],
    ['emoji', '+1 415 555 01📱', null],
    ['+800', '+80012345678', null],
    ['national without a country', '4155550123', null],
  ])(
    'refuses %s with BAD_USER_INPUT on phoneNumber and no request at the emulator',
    async (_what, phone, country) => {
      const inquiry = h.inquiry();
      const mark = h.twilioRequests.length;
      const { result } = await h.startVerification(h.partner(), {
        inquiryId: inquiry.id,
        phoneNumber: phone,
        defaultCountry: country,
      });
      expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'phoneNumber' } });
      expect(errorOf(result).message).toMatch(/^Invalid phoneNumber: /);
      expect(h.twilioSince(mark)).toEqual([]);
      expect(h.fraudAsks.some((a) => a.inquiryId === inquiry.id)).toBe(false);
    },
  );

  it('refuses an unknown defaultCountry on that field', async () => {
    const { result } = await h.startVerification(h.partner(), {
      inquiryId: h.inquiry().id,
      phoneNumber: '020 7946 0958',
      defaultCountry: 'XX',
    });
    expect(errorOf(result)).toMatchObject({
      code: 'BAD_USER_INPUT',
      extensions: { field: 'defaultCountry' },
    });
  });

  it('reads national numbers in the inquiry’s phone country, or in defaultCountry when given', async () => {
    const gb = h.inquiry({ phoneCountryCode: 'GB' });
    const national = await h.startVerification(h.partner(), {
      inquiryId: gb.id,
      phoneNumber: '07400 123457',
    });
    expect(national.verification).toMatchObject({ countryCode: 'GB', phoneNumberMasked: '+44******3457' });
    const us = await h.startVerification(h.partner(), {
      inquiryId: h.inquiry({ phoneCountryCode: 'GB' }).id,
      phoneNumber: '(415) 555-0298',
      defaultCountry: 'US',
    });
    expect(us.verification).toMatchObject({ countryCode: 'US' });
  });

  it('passes the locale and the account’s name to Verify', async () => {
    const inquiry = h.inquiry({ accountName: 'Acme Bank' });
    const phoneNumber = h.phoneNumber();
    await h.startVerification(h.partner(), { inquiryId: inquiry.id, phoneNumber, locale: 'fr' });
    expect((await h.outbox(phoneNumber))[0]).toMatchObject({ locale: 'fr', friendlyName: 'Acme Bank' });
  });
});

describe('events', () => {
  it('carry country, channel, send count and the prefix hashes, never the number', async () => {
    const { verification, phoneNumber } = await h.started();
    const pii = new PiiCipher(h.config.PII_KEY);
    const started = await h.event('phone.verification.started', verification.id);
    expect(started.data).toEqual({
      inquiryId: verification.inquiry.id,
      countryCode: 'US',
      channel: 'SMS',
      sendCount: 1,
      prefixHashes: [phoneNumber.slice(0, -2), phoneNumber.slice(0, -3), phoneNumber.slice(0, -4)].map((p) =>
        pii.hash(p),
      ),
    });
    expect(JSON.stringify(started)).not.toContain(phoneNumber.slice(1, -4));
    await h.resend(h.partner(), verification.id, 'WHATSAPP');
    const resent = await h.event('phone.verification.resent', verification.id);
    expect(resent.data).toMatchObject({ channel: 'WHATSAPP', sendCount: 2 });
    expect((await h.outbox(phoneNumber))[0]).toMatchObject({ channel: 'whatsapp' });
  });
});

describe('the step/inquiry race', () => {
  it('refuses a start whose inquiry failed while it was being assessed; nothing is sent', async () => {
    const inquiry = h.inquiry();
    h.fraud = (ask) => {
      if (ask.inquiryId === inquiry.id) h.inquiries.set(inquiry.id, { ...inquiry, status: 'FAILED' });
      return h.allow(ask);
    };
    try {
      const mark = h.twilioRequests.length;
      const { result } = await h.startVerification(h.partner(), {
        inquiryId: inquiry.id,
        phoneNumber: h.phoneNumber(),
      });
      expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'inquiryId' } });
      expect(errorOf(result).message).toContain('FAILED');
      expect(h.twilioSince(mark)).toEqual([]);
      expect(
        await h.sql('SELECT id FROM $schema.phone_verifications WHERE inquiry_id = $1', [inquiry.id]),
      ).toEqual([]);
    } finally {
      h.fraud = h.allow;
    }
  });
});
