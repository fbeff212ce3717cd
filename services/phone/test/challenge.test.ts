/** CHALLENGE: nothing is sent until the client returns a solved proof of work (or takes an allowed channel). */
import { solveChallenge } from 'altcha-lib/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, PhoneHarness, type FraudAsk, type FraudReply, type Verification } from './harness.js';

const h = new PhoneHarness();

beforeAll(() => h.start());
afterAll(() => h.stop());

/** The fraud engine challenges SMS until a challenge was solved; CALL and solved sends are allowed. */
function challengeSms(ask: FraudAsk): FraudReply {
  if (ask.channel === 'SMS' && !ask.challengeSolved) {
    return {
      assessmentId: `ra_c_${ask.verificationId}`,
      decision: 'CHALLENGE',
      score: 60,
      reasons: ['HIGH_PUMPING_RISK'],
    };
  }
  return h.allow(ask);
}

/** Solves the challenge as the ALTCHA widget would and encodes the payload it sends. */
async function solve(challenge: NonNullable<Verification['challenge']>): Promise<string> {
  const solution = await solveChallenge(
    challenge.challenge,
    challenge.salt,
    challenge.algorithm,
    challenge.maxNumber,
  ).promise;
  if (solution === null) throw new Error('the challenge has no solution');
  const payload = { ...challenge, number: solution.number };
  return Buffer.from(JSON.stringify(payload)).toString('base64');
}

async function challenged() {
  const inquiry = h.inquiry();
  const phoneNumber = h.phoneNumber();
  const start = await h.startVerification(h.partner(), { inquiryId: inquiry.id, phoneNumber });
  expect(start.verification).toMatchObject({ status: 'CHALLENGED' });
  return { inquiry, phoneNumber, verification: start.verification! };
}

describe('CHALLENGE', () => {
  it('sends nothing until a retry of the start carries the solved challenge; the solution works once', async () => {
    h.fraud = challengeSms;
    try {
      const mark = h.twilioRequests.length;
      const { inquiry, phoneNumber, verification } = await challenged();
      expect(h.verifySince(mark)).toEqual([]);
      expect(await h.outbox(phoneNumber)).toEqual([]);
      const solution = await solve(verification.challenge!);

      const solved = await h.startVerification(h.partner(), {
        inquiryId: inquiry.id,
        phoneNumber,
        challengeSolution: solution,
      });
      expect(solved.result.errors).toBeUndefined();
      expect(solved.verification).toMatchObject({
        id: verification.id,
        status: 'PENDING',
        sendAttempts: 1,
        challenge: null,
      });
      expect(
        h.fraudAsks.filter((a) => a.verificationId === verification.id).map((a) => a.challengeSolved),
      ).toEqual([false, true]);
      expect(await h.outbox(phoneNumber)).toHaveLength(1);
      const started = await h.event('phone.verification.started', verification.id);
      expect(started.data).toMatchObject({ sendCount: 1, channel: 'SMS' });

      const again = await h.resend(h.partner(), verification.id, null, solution);
      expect(errorOf(again.result)).toMatchObject({
        code: 'BAD_USER_INPUT',
        extensions: { field: 'challengeSolution' },
      });
      expect(await h.outbox(phoneNumber)).toHaveLength(1);
      const approved = await h.check(h.partner(), verification.id, await h.code(phoneNumber));
      expect(approved.verification?.status).toBe('APPROVED');
    } finally {
      h.fraud = h.allow;
    }
  });

  it('refuses a wrong solution, one of another verification, garbage and an expired challenge', async () => {
    h.fraud = challengeSms;
    try {
      const first = await challenged();
      const second = await challenged();
      const solution = await solve(first.verification.challenge!);
      const wrongNumber = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(solution, 'base64').toString()), number: 2001 }),
      ).toString('base64');
      for (const [id, text, message] of [
        [first.verification.id, wrongNumber, /does not solve/],
        [second.verification.id, solution, /another challenge/],
        [first.verification.id, 'bm90IGpzb24=', /not a solved challenge/],
      ] as const) {
        const { result } = await h.resend(h.partner(), id, null, text);
        expect(errorOf(result)).toMatchObject({
          code: 'BAD_USER_INPUT',
          extensions: { field: 'challengeSolution' },
        });
        expect(errorOf(result).message).toMatch(message);
      }
      h.clock.advanceBy(301_000);
      const late = await h.resend(h.partner(), first.verification.id, null, solution);
      expect(errorOf(late.result).message).toMatch(/expired/);
      expect(await h.outbox(first.phoneNumber)).toEqual([]);
    } finally {
      h.fraud = h.allow;
    }
  });

  it('lets a voice call satisfy it where the policy allows calls', async () => {
    h.fraud = challengeSms;
    try {
      const { inquiry, phoneNumber, verification } = await challenged();
      const call = await h.startVerification(h.partner(), {
        inquiryId: inquiry.id,
        phoneNumber,
        channel: 'CALL',
      });
      expect(call.verification).toMatchObject({ id: verification.id, status: 'PENDING', channel: 'CALL' });
      expect((await h.outbox(phoneNumber))[0]).toMatchObject({ channel: 'call' });
      const ask = h.fraudAsks.filter((a) => a.verificationId === verification.id).at(-1);
      expect(ask).toMatchObject({ channel: 'CALL', attempt: 'START', challengeSolved: false });
    } finally {
      h.fraud = h.allow;
    }
  });

  it('asks the proof of work the fraud engine sets: CHALLENGE_MAX_NUMBER × challengeWork, still solvable', async () => {
    h.fraud = (ask) =>
      ask.challengeSolved
        ? h.allow(ask)
        : { ...challengeSms(ask), reasons: ['BREAKER_OPEN'], challengeWork: 4 };
    try {
      const { inquiry, phoneNumber, verification } = await challenged();
      // The harness's CHALLENGE_MAX_NUMBER is 2000.
      expect(verification.challenge?.maxNumber).toBe(8000);
      const solved = await h.startVerification(h.partner(), {
        inquiryId: inquiry.id,
        phoneNumber,
        challengeSolution: await solve(verification.challenge!),
      });
      expect(solved.verification).toMatchObject({ status: 'PENDING', sendAttempts: 1 });
    } finally {
      h.fraud = h.allow;
    }
  });

  it('challenges a resend: PENDING → CHALLENGED, the code already sent still works', async () => {
    const { verification, phoneNumber } = await h.started();
    h.fraud = challengeSms;
    try {
      const resend = await h.resend(h.partner(), verification.id);
      expect(resend.verification).toMatchObject({ status: 'CHALLENGED', sendAttempts: 1 });
      expect(resend.verification?.challenge).not.toBeNull();
      expect(h.fraudAsks.filter((a) => a.verificationId === verification.id).map((a) => a.attempt)).toEqual([
        'START',
        'RESEND',
      ]);
      expect(await h.outbox(phoneNumber)).toHaveLength(1);
      const approved = await h.check(h.partner(), verification.id, await h.code(phoneNumber));
      expect(approved.verification?.status).toBe('APPROVED');
    } finally {
      h.fraud = h.allow;
    }
  });
});

describe('a channel the fraud engine suggests', () => {
  it('refuses SMS to a landline with BAD_USER_INPUT saying a voice call works; Twilio is not asked', async () => {
    h.fraud = (ask) =>
      ask.channel === 'SMS'
        ? {
            assessmentId: 'ra_land',
            decision: 'BLOCK',
            score: 80,
            reasons: ['LINE_TYPE'],
            suggestedChannel: 'CALL',
          }
        : h.allow(ask);
    try {
      const inquiry = h.inquiry();
      const phoneNumber = h.phoneNumber();
      const mark = h.twilioRequests.length;
      const sms = await h.startVerification(h.partner(), { inquiryId: inquiry.id, phoneNumber });
      expect(errorOf(sms.result)).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'channel' } });
      expect(errorOf(sms.result).message).toMatch(/a voice call works/);
      expect(h.verifySince(mark)).toEqual([]);
      expect(
        await h.sql('SELECT id FROM $schema.phone_verifications WHERE inquiry_id = $1', [inquiry.id]),
      ).toEqual([]);
      const call = await h.startVerification(h.partner(), {
        inquiryId: inquiry.id,
        phoneNumber,
        channel: 'CALL',
      });
      expect(call.verification).toMatchObject({ status: 'PENDING', channel: 'CALL' });
    } finally {
      h.fraud = h.allow;
    }
  });
});
