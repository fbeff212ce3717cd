import { describe, expect, it } from 'vitest';
import { TwilioApiError } from '../src/errors.js';
import { createEmulatorState } from '../src/state.js';
import { VERIFY_LIMITS } from '../src/verifications.js';
import type { StartVerification } from '../src/verifications.js';

const SERVICE_SID = `VA${'a'.repeat(32)}`;
const TO = '+14155559876';
const BLOCKED = '+14155550199';

function setUp() {
  let issued = 0;
  const state = createEmulatorState({
    verifyServiceSid: SERVICE_SID,
    fixtures: [{ phoneNumber: BLOCKED, blocked: true }],
    newCode: () => String(++issued).padStart(6, '0'),
  });
  const send = (overrides: Partial<StartVerification> = {}) =>
    state.verify.start({
      to: TO,
      channel: 'sms',
      locale: null,
      customFriendlyName: null,
      tags: null,
      ...overrides,
    });
  return { state, verify: state.verify, send };
}

function refusal(action: () => unknown): { code: number; httpStatus: number } {
  try {
    action();
  } catch (error) {
    if (error instanceof TwilioApiError) return { code: error.code, httpStatus: error.httpStatus };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('sending codes', () => {
  it('re-sends the pending verification with the same code, recording each attempt and message', () => {
    const { state, send } = setUp();
    const first = send();
    const second = send({ channel: 'call' });
    expect(second.sid).toBe(first.sid);
    expect(second.code).toBe('000001');
    expect(second.channel).toBe('call');
    expect(second.sendCodeAttempts.map((attempt) => attempt.channel)).toEqual(['sms', 'call']);
    expect(state.outbox.list(TO).map((message) => [message.channel, message.code])).toEqual([
      ['call', '000001'],
      ['sms', '000001'],
    ]);
  });

  it('refuses the sixth send with 60203 and sends nothing', () => {
    const { state, send } = setUp();
    for (let i = 0; i < VERIFY_LIMITS.maxSendAttempts; i++) send();
    expect(refusal(() => send())).toEqual({ code: 60203, httpStatus: 429 });
    expect(state.outbox.list(TO)).toHaveLength(VERIFY_LIMITS.maxSendAttempts);
  });

  it('starts a new verification with a new code once the last one is canceled or expired', () => {
    const { state, verify, send } = setUp();
    const canceled = send();
    verify.update(canceled.sid, 'canceled');
    const afterCancel = send();
    expect(afterCancel.sid).not.toBe(canceled.sid);
    expect(afterCancel.code).toBe('000002');
    state.clock.advance(VERIFY_LIMITS.codeTtlSeconds);
    const afterExpiry = send();
    expect(afterExpiry.sid).not.toBe(afterCancel.sid);
    expect(verify.find(afterCancel.sid)?.status).toBe('expired');
  });

  it('refuses SMS to a number Fraud Guard blocked with 60410, but not a call', () => {
    const { send } = setUp();
    expect(refusal(() => send({ to: BLOCKED }))).toEqual({ code: 60410, httpStatus: 403 });
    expect(send({ to: BLOCKED, channel: 'call' }).status).toBe('pending');
  });
});

describe('checking codes', () => {
  it('stays pending on a wrong code and approves the right one', () => {
    const { verify, send } = setUp();
    const { sid } = send();
    expect(verify.check({ code: '999999', to: TO, verificationSid: null })?.status).toBe('pending');
    expect(verify.check({ code: '000001', to: null, verificationSid: sid })?.status).toBe('approved');
  });

  it('accepts the right code on the fifth check after four wrong ones', () => {
    const { verify, send } = setUp();
    send();
    for (let i = 0; i < 4; i++) verify.check({ code: '999999', to: TO, verificationSid: null });
    expect(verify.check({ code: '000001', to: TO, verificationSid: null })?.status).toBe('approved');
  });

  it('refuses the check after five wrong codes with 60202, even with the right code, then forgets the verification', () => {
    const { verify, send } = setUp();
    const { sid } = send();
    for (let i = 0; i < VERIFY_LIMITS.maxFailedChecks; i++) {
      expect(verify.check({ code: '999999', to: TO, verificationSid: null })?.status).toBe('pending');
    }
    expect(refusal(() => verify.check({ code: '000001', to: TO, verificationSid: null }))).toEqual({
      code: 60202,
      httpStatus: 429,
    });
    expect(verify.find(sid)?.status).toBe('max_attempts_reached');
    expect(verify.check({ code: '000001', to: TO, verificationSid: null })).toBeUndefined();
    expect(verify.fetch(sid)).toBeUndefined();
  });

  it('forgets a verification once approved: no fetch, no update, no second check', () => {
    const { verify, send } = setUp();
    const { sid } = send();
    verify.check({ code: '000001', to: TO, verificationSid: null });
    expect(verify.fetch(sid)).toBeUndefined();
    expect(verify.update(sid, 'canceled')).toBeUndefined();
    expect(verify.check({ code: '000001', to: null, verificationSid: sid })).toBeUndefined();
  });

  it('expires ten minutes after creation, not a second earlier', () => {
    const { state, verify, send } = setUp();
    const { sid } = send();
    state.clock.advance(VERIFY_LIMITS.codeTtlSeconds - 1);
    expect(verify.fetch(sid)?.status).toBe('pending');
    state.clock.advance(1);
    expect(verify.fetch(sid)).toBeUndefined();
    expect(verify.find(sid)?.status).toBe('expired');
    expect(verify.check({ code: '000001', to: TO, verificationSid: null })).toBeUndefined();
  });
});

describe('bounds', () => {
  it(`keeps the newest ${VERIFY_LIMITS.verificationsPerDestination} verifications per destination`, () => {
    const { verify, send } = setUp();
    const sids: string[] = [];
    for (let i = 0; i <= VERIFY_LIMITS.verificationsPerDestination; i++) {
      const { sid } = send();
      sids.push(sid);
      verify.update(sid, 'canceled');
    }
    expect(verify.find(sids[0] ?? '')).toBeUndefined();
    expect(verify.find(sids[1] ?? '')?.status).toBe('canceled');
  });

  it('caps the outbox, dropping the oldest message', () => {
    const { state, verify, send } = setUp();
    const capacity = state.outbox.capacity;
    for (let i = 0; i <= capacity; i++) {
      const to = `+1201555${String(i).padStart(4, '0')}`;
      verify.update(send({ to }).sid, 'canceled');
    }
    const messages = state.outbox.list();
    expect(messages).toHaveLength(capacity);
    expect(messages.at(-1)?.to).toBe('+12015550001');
    expect(messages[0]?.to).toBe(`+1201555${String(capacity).padStart(4, '0')}`);
  });

  it('reset forgets verifications and messages and turns the clock back', () => {
    const { state, verify, send } = setUp();
    const { sid } = send();
    const before = state.clock.now().getTime();
    state.clock.advance(3600);
    state.reset();
    expect(verify.find(sid)).toBeUndefined();
    expect(state.outbox.list()).toEqual([]);
    expect(state.clock.now().getTime()).toBeLessThan(before + 3600 * 1000);
  });
});
