/**
 * The lifecycle's moves through the service itself (the table is pinned exhaustively in
 * domain/verification.test.ts): those of CHALLENGED and of a refused resend, and illegal moves
 * answered without asking Twilio.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, PhoneHarness, type FraudAsk, type FraudReply } from './harness.js';

const h = new PhoneHarness();

beforeAll(() => h.start());
afterAll(() => h.stop());

const challenge = (ask: FraudAsk): FraudReply => ({
  assessmentId: `ra_c_${ask.verificationId}`,
  decision: 'CHALLENGE',
  score: 60,
  reasons: ['NEW_PREFIX'],
});
const block = (ask: FraudAsk): FraudReply => ({
  assessmentId: `ra_b_${ask.verificationId}`,
  decision: 'BLOCK',
  score: 95,
  reasons: ['PREFIX_BURST'],
});

async function challenged() {
  h.fraud = challenge;
  try {
    const inquiry = h.inquiry();
    const { verification } = await h.startVerification(h.partner(), {
      inquiryId: inquiry.id,
      phoneNumber: h.phoneNumber(),
    });
    expect(verification?.status).toBe('CHALLENGED');
    return verification!;
  } finally {
    h.fraud = h.allow;
  }
}

describe('moves the service makes', () => {
  it('PENDING → BLOCKED: a resend the fraud engine blocks fails the step and ends Twilio’s side', async () => {
    const { verification } = await h.started();
    h.fraud = block;
    try {
      const mark = h.twilioRequests.length;
      const { verification: after } = await h.resend(h.partner(), verification.id);
      expect(after).toMatchObject({ status: 'BLOCKED', sendAttempts: 1 });
      expect(h.verifySince(mark)).toEqual(['update 200']);
      const failed = await h.event('phone.verification.failed', verification.id);
      expect(failed.data).toMatchObject({ status: 'BLOCKED', reason: 'PREFIX_BURST' });
    } finally {
      h.fraud = h.allow;
    }
  });

  it('CHALLENGED → BLOCKED: a retry the fraud engine now blocks', async () => {
    const verification = await challenged();
    h.fraud = block;
    try {
      const { verification: after } = await h.resend(h.partner(), verification.id);
      expect(after).toMatchObject({ status: 'BLOCKED', challenge: null });
      await h.event('phone.verification.failed', verification.id);
    } finally {
      h.fraud = h.allow;
    }
  });

  it('CHALLENGED → CANCELED without asking Twilio (nothing was sent)', async () => {
    const verification = await challenged();
    const mark = h.twilioRequests.length;
    expect((await h.cancel(h.partner(), verification.id)).verification?.status).toBe('CANCELED');
    expect(h.verifySince(mark)).toEqual([]);
    await h.event('phone.verification.canceled', verification.id);
  });

  it('CHALLENGED → EXPIRED by the sweeper', async () => {
    const verification = await challenged();
    h.clock.advanceBy(601_000);
    await h.startAnother({ EXPIRY_SWEEP_MS: 50 });
    await h.event('phone.verification.expired', verification.id);
    expect(await h.row(verification.id)).toMatchObject({ status: 'EXPIRED', challenge: null });
  });

  it('CHALLENGED → MAX_ATTEMPTS_REACHED: the code sent before the challenge still counts its checks', async () => {
    const { verification, phoneNumber } = await h.started();
    h.fraud = challenge;
    try {
      await h.resend(h.partner(), verification.id);
    } finally {
      h.fraud = h.allow;
    }
    const code = await h.code(phoneNumber);
    const bad = code === '000000' ? '111111' : '000000';
    const answers = [];
    for (let i = 0; i < 5; i++)
      answers.push((await h.check(h.partner(), verification.id, bad)).verification?.status);
    expect(answers).toEqual(['CHALLENGED', 'CHALLENGED', 'CHALLENGED', 'CHALLENGED', 'MAX_ATTEMPTS_REACHED']);
  });

  it('refuses to check a CHALLENGED verification that never sent a code', async () => {
    const verification = await challenged();
    const mark = h.twilioRequests.length;
    const { result } = await h.check(h.partner(), verification.id, '123456');
    expect(errorOf(result)).toMatchObject({
      code: 'BAD_USER_INPUT',
      extensions: { field: 'verificationId' },
    });
    expect(h.verifySince(mark)).toEqual([]);
  });
});

describe('moves the lifecycle refuses', () => {
  it.each(['check', 'resend', 'cancel'] as const)(
    'answers %s of a BLOCKED, CANCELED or EXPIRED verification with its status, Twilio not asked',
    async (action) => {
      const blocked = await (async () => {
        h.fraud = block;
        try {
          return (
            await h.startVerification(h.partner(), {
              inquiryId: h.inquiry().id,
              phoneNumber: h.phoneNumber(),
            })
          ).verification!;
        } finally {
          h.fraud = h.allow;
        }
      })();
      const canceled = (await h.started()).verification;
      await h.cancel(h.partner(), canceled.id);
      const expired = (await h.started()).verification;
      h.clock.advanceBy(601_000);
      await h.check(h.partner(), expired.id, '123456');
      for (const [verification, status] of [
        [blocked, 'BLOCKED'],
        [canceled, 'CANCELED'],
        [expired, 'EXPIRED'],
      ] as const) {
        const mark = h.twilioRequests.length;
        const call =
          action === 'check'
            ? h.check(h.partner(), verification.id, '123456')
            : action === 'resend'
              ? h.resend(h.partner(), verification.id)
              : h.cancel(h.partner(), verification.id);
        const { result } = await call;
        expect(errorOf(result)).toMatchObject({
          code: 'BAD_USER_INPUT',
          extensions: { field: 'verificationId' },
        });
        expect(errorOf(result).message).toContain(status);
        expect(h.verifySince(mark)).toEqual([]);
      }
    },
  );

  it('answers any later check of an APPROVED verification APPROVED, with any code, without Twilio', async () => {
    const { verification, phoneNumber } = await h.started();
    await h.check(h.partner(), verification.id, await h.code(phoneNumber));
    const mark = h.twilioRequests.length;
    expect((await h.check(h.partner(), verification.id, '999999')).verification?.status).toBe('APPROVED');
    expect(h.verifySince(mark)).toEqual([]);
    expect(errorOf((await h.resend(h.partner(), verification.id)).result).message).toContain('APPROVED');
    expect(errorOf((await h.cancel(h.partner(), verification.id)).result).message).toContain('APPROVED');
  });
});
