/**
 * Every row of the Twilio outcome table (docs/phone.md), driven through the real SDK against the
 * emulator: seeded refusals and injected faults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@attestor/platform/testing';
import { errorOf, PhoneHarness } from './harness.js';

const h = new PhoneHarness();

beforeAll(() => h.start());
afterAll(() => h.stop());

async function storedFor(inquiryId: string) {
  return h.sql('SELECT id FROM $schema.phone_verifications WHERE inquiry_id = $1', [inquiryId]);
}

describe('sends', () => {
  it('60200 → BAD_USER_INPUT on phoneNumber, never retried, nothing stored', async () => {
    const inquiry = h.inquiry();
    await h.fault({
      operation: 'CreateVerification',
      status: 400,
      code: 60200,
      message: 'Invalid parameter `To`',
    });
    const mark = h.twilioRequests.length;
    const { result } = await h.startVerification(h.partner(), {
      inquiryId: inquiry.id,
      phoneNumber: h.phoneNumber(),
    });
    expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'phoneNumber' } });
    expect(h.verifySince(mark)).toEqual(['send 400']);
    expect(await storedFor(inquiry.id)).toEqual([]);
  });

  it('60203 on a start → RATE_LIMITED with retryAfterSeconds, never retried, nothing stored', async () => {
    const inquiry = h.inquiry();
    await h.fault({ operation: 'CreateVerification', status: 429, code: 60203 });
    const mark = h.twilioRequests.length;
    const { result } = await h.startVerification(h.partner(), {
      inquiryId: inquiry.id,
      phoneNumber: h.phoneNumber(),
    });
    expect(errorOf(result).code).toBe('RATE_LIMITED');
    expect(Number(errorOf(result).extensions?.['retryAfterSeconds'])).toBeGreaterThan(0);
    expect(h.verifySince(mark)).toEqual(['send 429']);
    expect(await storedFor(inquiry.id)).toEqual([]);
  });

  it.each([
    ['60205 (landline)', { lineType: 'landline' as const }, 'PROVIDER_LANDLINE'],
    ['60605 (geo permission)', { geoBlocked: true }, 'PROVIDER_GEO_PERMISSION'],
  ])('%s → BLOCKED with that reason and a failed event, never retried', async (_row, seed, reason) => {
    const phoneNumber = h.phoneNumber();
    await h.seed({ phoneNumber, ...seed });
    const mark = h.twilioRequests.length;
    const { result, verification } = await h.startVerification(h.partner(), {
      inquiryId: h.inquiry().id,
      phoneNumber,
    });
    expect(result.errors).toBeUndefined();
    expect(verification).toMatchObject({ status: 'BLOCKED', sendAttempts: 0 });
    expect(h.verifySince(mark)).toHaveLength(1);
    const failed = await h.event('phone.verification.failed', verification!.id);
    expect(failed.data).toMatchObject({ status: 'BLOCKED', reason });
    expect(await h.sendAttempts(verification!.id)).toEqual([{ channel: 'SMS', outcome: 'BLOCKED' }]);
  });

  it('60212 (concurrent requests) → tried once more', async () => {
    await h.fault({ operation: 'CreateVerification', status: 429, code: 60212 });
    let mark = h.twilioRequests.length;
    const ok = await h.startVerification(h.partner(), {
      inquiryId: h.inquiry().id,
      phoneNumber: h.phoneNumber(),
    });
    expect(ok.verification?.status).toBe('PENDING');
    expect(h.verifySince(mark)).toEqual(['send 429', 'send 201']);

    await h.fault({ operation: 'CreateVerification', status: 429, code: 60212, times: 2 });
    mark = h.twilioRequests.length;
    const inquiry = h.inquiry();
    const refused = await h.startVerification(h.partner(), {
      inquiryId: inquiry.id,
      phoneNumber: h.phoneNumber(),
    });
    expect(errorOf(refused.result).code).toBe('PROVIDER_ERROR');
    expect(h.verifySince(mark)).toEqual(['send 429', 'send 429']);
    expect(await storedFor(inquiry.id)).toEqual([]);
  });

  it('other 429 and 5xx → retried with backoff up to TWILIO_MAX_ATTEMPTS, then PROVIDER_ERROR', async () => {
    await h.fault({ operation: 'CreateVerification', status: 429, code: 20429, times: 2 });
    let mark = h.twilioRequests.length;
    const throttled = await h.startVerification(h.partner(), {
      inquiryId: h.inquiry().id,
      phoneNumber: h.phoneNumber(),
    });
    expect(throttled.verification?.status).toBe('PENDING');
    expect(h.verifySince(mark)).toEqual(['send 429', 'send 429', 'send 201']);

    await h.fault({ operation: 'CreateVerification', status: 500, times: 3 });
    mark = h.twilioRequests.length;
    const inquiry = h.inquiry();
    const down = await h.startVerification(h.partner(), {
      inquiryId: inquiry.id,
      phoneNumber: h.phoneNumber(),
    });
    expect(errorOf(down.result)).toMatchObject({
      code: 'PROVIDER_ERROR',
      message: 'The verification provider is unavailable, try again',
    });
    expect(h.verifySince(mark)).toEqual(['send 500', 'send 500', 'send 500']);
    expect(await storedFor(inquiry.id)).toEqual([]);
  });

  it('a timeout → tried again (Twilio slow for one call)', async () => {
    const quick = await h.startAnother({ TWILIO_TIMEOUT_MS: 300 });
    await h.fault({ operation: 'CreateVerification', delayMs: 600 });
    const phoneNumber = h.phoneNumber();
    const { verification } = await h.startVerification(
      h.partner(),
      { inquiryId: h.inquiry().id, phoneNumber },
      quick,
    );
    expect(verification).toMatchObject({ status: 'PENDING', sendAttempts: 1 });
    // The slow request was still served once the client had given up: the same code, sent twice.
    const messages = await eventually(async () => {
      const sent = await h.outbox(phoneNumber);
      return sent.length === 2 ? sent : undefined;
    });
    expect(new Set(messages.map((message) => message.code)).size).toBe(1);
  });
});

describe('checks and cancels', () => {
  it('60202 → MAX_ATTEMPTS_REACHED with a failed event, never retried', async () => {
    const { verification, phoneNumber } = await h.started();
    await h.fault({ operation: 'CreateVerificationCheck', status: 429, code: 60202 });
    const mark = h.twilioRequests.length;
    const { verification: after } = await h.check(h.partner(), verification.id, await h.code(phoneNumber));
    expect(after).toMatchObject({ status: 'MAX_ATTEMPTS_REACHED', checkAttempts: 0 });
    expect(h.verifySince(mark)).toEqual(['check 429']);
    const failed = await h.event('phone.verification.failed', verification.id);
    expect(failed.data).toMatchObject({ status: 'MAX_ATTEMPTS_REACHED', reason: 'MAX_CHECK_ATTEMPTS' });
  });

  it('Twilio down during a check → PROVIDER_ERROR, the attempt not counted; the next check works', async () => {
    const { verification, phoneNumber } = await h.started();
    await h.fault({ operation: 'CreateVerificationCheck', status: 503, times: 3 });
    const down = await h.check(h.partner(), verification.id, await h.code(phoneNumber));
    expect(errorOf(down.result).code).toBe('PROVIDER_ERROR');
    expect(await h.row(verification.id)).toMatchObject({ status: 'PENDING', check_attempts: 0 });
    const again = await h.check(h.partner(), verification.id, await h.code(phoneNumber));
    expect(again.verification).toMatchObject({ status: 'APPROVED', checkAttempts: 1 });
  });

  it('cancel tells Verify (Status=canceled); with Verify down it is refused and nothing changes', async () => {
    const { verification } = await h.started();
    await h.fault({ operation: 'UpdateVerification', status: 500, times: 3 });
    let mark = h.twilioRequests.length;
    expect(errorOf((await h.cancel(h.partner(), verification.id)).result).code).toBe('PROVIDER_ERROR');
    expect(h.verifySince(mark)).toEqual(['update 500', 'update 500', 'update 500']);
    expect(await h.row(verification.id)).toMatchObject({ status: 'PENDING' });
    mark = h.twilioRequests.length;
    expect((await h.cancel(h.partner(), verification.id)).verification?.status).toBe('CANCELED');
    expect(h.verifySince(mark)).toEqual(['update 200']);
  });

  it('an expired or canceled verification answers a check with its status; Twilio is not asked', async () => {
    const canceled = await h.started();
    await h.cancel(h.partner(), canceled.verification.id);
    const mark = h.twilioRequests.length;
    const answer = await h.check(h.partner(), canceled.verification.id, await h.code(canceled.phoneNumber));
    expect(errorOf(answer.result)).toMatchObject({
      code: 'BAD_USER_INPUT',
      extensions: { field: 'verificationId' },
    });
    expect(errorOf(answer.result).message).toContain('CANCELED');
    expect(h.verifySince(mark)).toEqual([]);
  });
});
