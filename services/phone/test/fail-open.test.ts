import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhoneHarness } from './harness.js';

const h = new PhoneHarness({ FRAUD_FAIL_MODE: 'open' });

beforeAll(() => h.start());
afterAll(() => h.stop());

describe('FRAUD_FAIL_MODE=open', () => {
  it('sends without an assessment when fraud does not answer in time, and records that it was skipped', async () => {
    h.fraud = () => 'silent';
    try {
      const inquiry = h.inquiry();
      const phoneNumber = h.phoneNumber();
      const { result, verification } = await h.startVerification(h.partner(), {
        inquiryId: inquiry.id,
        phoneNumber,
      });
      expect(result.errors).toBeUndefined();
      expect(verification).toMatchObject({ status: 'PENDING', sendAttempts: 1 });
      expect(h.fraudAsks.some((ask) => ask.verificationId === verification!.id)).toBe(true);
      expect(await h.outbox(phoneNumber)).toHaveLength(1);
      expect(await h.row(verification!.id)).toMatchObject({
        risk_assessment_id: null,
        risk_assessment_skipped: true,
      });
      await h.event('phone.verification.started', verification!.id);
    } finally {
      h.fraud = h.allow;
      h.releaseFraud();
    }
  });

  it('still obeys a BLOCK when fraud does answer', async () => {
    h.fraud = (ask) => ({
      assessmentId: `ra_${ask.verificationId}`,
      decision: 'BLOCK',
      score: 99,
      reasons: ['IP_RATE'],
    });
    try {
      const phoneNumber = h.phoneNumber();
      const { verification } = await h.startVerification(h.partner(), {
        inquiryId: h.inquiry().id,
        phoneNumber,
      });
      expect(verification?.status).toBe('BLOCKED');
      expect(await h.outbox(phoneNumber)).toEqual([]);
    } finally {
      h.fraud = h.allow;
    }
  });
});
