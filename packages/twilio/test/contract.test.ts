/**
 * The provider contract: what the phone and identity services may rely on, driven through the real
 * SDK. It runs against the emulator started here, or unchanged against Twilio when
 * TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_VERIFY_SERVICE_SID are set (codes then go to
 * TWILIO_TEST_TO, a phone you own). Only steps that need the emulator's control endpoints
 * (reading a code, seeding a number, moving the clock) are skipped against Twilio.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CREDENTIALS, startEmulator } from '@attestor/twilio-emulator';
import type { RunningEmulator } from '@attestor/twilio-emulator';
import { createTwilioClient } from '../src/index.js';
import type {
  LookupField,
  OtpChannel,
  OtpOutcome,
  OtpProvider,
  OtpVerification,
  TwilioFailure,
  TwilioProviders,
  TwilioSettings,
} from '../src/index.js';

const env = process.env;
const realTwilio = Boolean(
  env['TWILIO_ACCOUNT_SID'] && env['TWILIO_AUTH_TOKEN'] && env['TWILIO_VERIFY_SERVICE_SID'],
);

let emulator: RunningEmulator | undefined;
let settings: TwilioSettings;
let twilio: TwilioProviders;
let otp: OtpProvider;
const started: string[] = [];
let nextNumber = 1000;

/** A destination of its own per test on the emulator; the one real phone against Twilio. */
function destination(): string {
  if (!realTwilio) return `+1201555${nextNumber++}`;
  const to = env['TWILIO_TEST_TO'];
  if (!to)
    throw new Error(
      'TWILIO_TEST_TO (a phone you own, in E.164) is required to run the contract against Twilio',
    );
  return to;
}

function emulatorUrl(): string {
  if (emulator === undefined) throw new Error('this step needs the emulator');
  return emulator.url;
}

async function sentCode(to: string): Promise<string> {
  const [newest] = (await (
    await fetch(`${emulatorUrl()}/outbox?to=${encodeURIComponent(to)}`)
  ).json()) as Array<{
    code: string;
  }>;
  if (newest === undefined) throw new Error(`nothing was sent to ${to}`);
  return newest.code;
}

async function control(path: string, body: unknown): Promise<void> {
  const response = await fetch(emulatorUrl() + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
}

/** The typed failure a call came to; fails the test when it succeeded. */
async function failure(call: Promise<OtpOutcome<string>>): Promise<TwilioFailure> {
  const outcome = await call;
  if ('verification' in outcome) throw new Error(`expected the call to fail, it answered ${outcome.kind}`);
  return outcome;
}

/** The verification a call answered; fails the test when it failed. */
async function ok(call: Promise<OtpOutcome<string>>): Promise<OtpVerification> {
  const outcome = await call;
  if (!('verification' in outcome)) throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
  return outcome.verification;
}

async function send(to: string, channel: OtpChannel = 'sms') {
  const verification = await ok(otp.send({ to, channel }));
  started.push(verification.sid);
  return verification;
}

beforeAll(async () => {
  if (realTwilio) {
    settings = {
      accountSid: env['TWILIO_ACCOUNT_SID'] ?? '',
      authToken: env['TWILIO_AUTH_TOKEN'] ?? '',
      verifyServiceSid: env['TWILIO_VERIFY_SERVICE_SID'] ?? '',
    };
  } else {
    emulator = await startEmulator({ port: 0 });
    settings = { ...DEV_CREDENTIALS, emulatorUrl: emulator.url };
  }
  twilio = createTwilioClient(settings);
  otp = twilio.otp;
});

/** Leaves no pending verification behind, so the next test starts clean even on the one real phone. */
afterEach(async () => {
  for (const sid of started.splice(0)) await otp.cancel(sid);
});

afterAll(async () => {
  await emulator?.close();
});

describe('OtpProvider', () => {
  it('send starts a pending verification', async () => {
    const to = destination();
    const verification = await send(to);
    expect(verification).toMatchObject({
      to,
      channel: 'sms',
      status: 'pending',
      valid: false,
      sendCodeAttempts: 1,
    });
    expect(verification.sid).toMatch(/^VE[0-9a-f]{32}$/);
    expect(verification.createdAt).toBeInstanceOf(Date);
    expect(await ok(otp.fetch(verification.sid))).toMatchObject({ sid: verification.sid, status: 'pending' });
  });

  it('a resend while pending returns the same verification with one more attempt', async () => {
    const to = destination();
    const first = await send(to);
    const second = await send(to, 'call');
    expect(second).toMatchObject({ sid: first.sid, status: 'pending', channel: 'call', sendCodeAttempts: 2 });
  });

  it.skipIf(realTwilio)('a resend carries the same code', async () => {
    const to = destination();
    await send(to);
    const firstCode = await sentCode(to);
    await send(to);
    expect(await sentCode(to)).toBe(firstCode);
  });

  it('the sixth send is refused with 60203 (429)', async () => {
    const to = destination();
    for (let attempt = 1; attempt <= 5; attempt++) expect((await send(to)).sendCodeAttempts).toBe(attempt);
    expect(await failure(otp.send({ to, channel: 'sms' }))).toMatchObject({
      kind: 'max-send-attempts',
      twilioCode: 60203,
      httpStatus: 429,
    });
  });

  it('a wrong code leaves the verification pending', async () => {
    const to = destination();
    const { sid } = await send(to);
    expect(await ok(otp.check({ to, code: '0000000' }))).toMatchObject({
      sid,
      status: 'pending',
      valid: false,
    });
  });

  it.skipIf(realTwilio)('the right code approves it; a later check is 20404', async () => {
    const to = destination();
    const { sid } = await send(to);
    expect(await ok(otp.check({ verificationSid: sid, code: await sentCode(to) }))).toMatchObject({
      sid,
      status: 'approved',
      valid: true,
      sendCodeAttempts: null,
    });
    expect(await failure(otp.check({ to, code: await sentCode(to) }))).toMatchObject({
      kind: 'not-found',
      twilioCode: 20404,
      httpStatus: 404,
    });
  });

  it('after five wrong codes the next check is 60202 (429), and the one after is 20404', async () => {
    const to = destination();
    const { sid } = await send(to);
    for (let wrong = 0; wrong < 5; wrong++) {
      expect(await ok(otp.check({ verificationSid: sid, code: '0000000' }))).toMatchObject({
        status: 'pending',
      });
    }
    expect(await failure(otp.check({ verificationSid: sid, code: '0000000' }))).toMatchObject({
      kind: 'max-check-attempts',
      twilioCode: 60202,
      httpStatus: 429,
    });
    expect(await failure(otp.check({ verificationSid: sid, code: '0000000' }))).toMatchObject({
      twilioCode: 20404,
    });
  });

  it.skipIf(realTwilio)(
    'ten minutes after it started the verification is gone: check and fetch are 20404',
    async () => {
      const to = destination();
      const { sid } = await send(to);
      const code = await sentCode(to);
      await control('/clock', { advanceSeconds: 600 });
      expect(await failure(otp.check({ to, code }))).toMatchObject({ twilioCode: 20404, httpStatus: 404 });
      expect(await failure(otp.fetch(sid))).toMatchObject({ twilioCode: 20404 });
      expect(await send(to)).toMatchObject({ status: 'pending', sendCodeAttempts: 1 });
    },
  );

  it('cancel ends the verification; a later check is 20404', async () => {
    const to = destination();
    const { sid } = await send(to);
    expect(await ok(otp.cancel(sid))).toMatchObject({ sid, status: 'canceled', valid: false });
    expect(await failure(otp.check({ to, code: '0000000' }))).toMatchObject({ twilioCode: 20404 });
  });

  it('approve ends the verification as approved; a later check is 20404', async () => {
    const to = destination();
    const { sid } = await send(to);
    expect(await ok(otp.approve(sid))).toMatchObject({ sid, status: 'approved', valid: true });
    expect(await failure(otp.check({ verificationSid: sid, code: '0000000' }))).toMatchObject({
      twilioCode: 20404,
    });
  });

  it('says from Verify Attempts whether a verification it has deleted was approved', async () => {
    const conversion = async (sid: string) => {
      const answer = await otp.conversion(sid);
      if (!('converted' in answer)) throw new Error(`conversion failed: ${JSON.stringify(answer)}`);
      return answer.converted;
    };
    const approvedTo = destination();
    const approved = await send(approvedTo);
    expect(await conversion(approved.sid)).toBe(false);
    await ok(otp.check({ verificationSid: approved.sid, code: await sentCode(approvedTo) }));
    expect(await failure(otp.fetch(approved.sid))).toMatchObject({ twilioCode: 20404 });
    expect(await conversion(approved.sid)).toBe(true);

    const canceled = await send(destination());
    await ok(otp.cancel(canceled.sid));
    expect(await conversion(canceled.sid)).toBe(false);
    const wrong = await send(destination());
    await ok(otp.check({ verificationSid: wrong.sid, code: '0000000' }));
    expect(await conversion(wrong.sid)).toBe(false);
  });

  it('refuses a bad To, an unknown channel and a missing code with 60200 (400)', async () => {
    const invalid = { kind: 'invalid', twilioCode: 60200, httpStatus: 400 };
    expect(await failure(otp.send({ to: '+1415', channel: 'sms' }))).toMatchObject(invalid);
    const pigeon = 'pigeon' as OtpChannel;
    expect(await failure(otp.send({ to: destination(), channel: pigeon }))).toMatchObject(invalid);
    expect(await failure(otp.check({ to: destination(), code: '' }))).toMatchObject(invalid);
  });

  it('refuses wrong credentials with 20003 (401)', async () => {
    const intruder = createTwilioClient({ ...settings, authToken: 'f'.repeat(32) });
    expect(await failure(intruder.otp.send({ to: destination(), channel: 'sms' }))).toMatchObject({
      kind: 'refused',
      twilioCode: 20003,
      httpStatus: 401,
    });
  });

  it('answers 20404 for a verification that never existed', async () => {
    expect(await failure(otp.fetch(`VE${'0'.repeat(32)}`))).toMatchObject({
      twilioCode: 20404,
      httpStatus: 404,
    });
  });

  it.skipIf(realTwilio)('refuses SMS to a number Fraud Guard blocked with 60410 (403)', async () => {
    const to = destination();
    await control('/numbers', { phoneNumber: to, blocked: true });
    expect(await failure(otp.send({ to, channel: 'sms' }))).toMatchObject({
      kind: 'fraud-guard',
      twilioCode: 60410,
      httpStatus: 403,
    });
  });
});

describe('LookupProvider', () => {
  const owner = {
    callerName: 'Katherine Johnson',
    callerType: 'CONSUMER',
    firstName: 'Katherine',
    lastName: 'Johnson',
    lineType: 'nonFixedVoip',
    carrierName: 'Twilio - SMS/MMS-SVR',
    mobileCountryCode: '311',
    mobileNetworkCode: '950',
    smsPumpingRiskScore: 64,
    carrierRiskCategory: 'moderate',
    blocked: true,
  } as const;

  async function seeded(): Promise<string> {
    const phoneNumber = destination();
    await control('/numbers', { phoneNumber, ...owner });
    return phoneNumber;
  }

  it.skipIf(realTwilio)(
    'returns each data package of a seeded number, and only the packages asked for',
    async () => {
      const phoneNumber = await seeded();
      const only = async (field: LookupField) => twilio.lookup.lookup(phoneNumber, { fields: [field] });

      const risk = await only('sms_pumping_risk');
      expect(risk.smsPumpingRisk).toMatchObject({
        carrierRiskCategory: 'moderate',
        numberBlocked: true,
        numberBlockedLast3Months: true,
        score: 64,
        errorCode: null,
      });
      expect(risk.smsPumpingRisk?.numberBlockedDate).toBeInstanceOf(Date);
      expect([risk.lineType, risk.callerName, risk.identityMatch]).toEqual([undefined, undefined, undefined]);

      expect((await only('line_type_intelligence')).lineType).toEqual({
        type: 'nonFixedVoip',
        carrierName: 'Twilio - SMS/MMS-SVR',
        mobileCountryCode: '311',
        mobileNetworkCode: '950',
        errorCode: null,
      });
      const caller = await only('caller_name');
      expect(caller.callerName).toEqual({
        callerName: 'Katherine Johnson',
        callerType: 'CONSUMER',
        errorCode: null,
      });
      expect(caller).toMatchObject({
        phoneNumber,
        valid: true,
        validationErrors: [],
        countryCode: 'US',
        callingCountryCode: '1',
      });
      expect(caller.nationalFormat).toMatch(/^\(201\) 555-\d{4}$/);
      expect(caller.smsPumpingRisk).toBeUndefined();
    },
  );

  it('gives the same answers twice for an unseeded number', async () => {
    const phoneNumber = destination();
    const fields: LookupField[] = ['sms_pumping_risk', 'line_type_intelligence', 'caller_name'];
    const first = await twilio.lookup.lookup(phoneNumber, { fields });
    expect(first.valid).toBe(true);
    expect(first.lineType?.type).toEqual(expect.any(String));
    expect(first.callerName).toBeDefined();
    expect(await twilio.lookup.lookup(phoneNumber, { fields })).toEqual(first);
  });

  it('reports an invalid number as not valid, with the reasons', async () => {
    const result = await twilio.lookup.lookup('+1415', { fields: ['line_type_intelligence'] });
    expect(result).toMatchObject({ valid: false, validationErrors: ['TOO_SHORT'], countryCode: null });
    expect(result.lineType).toBeUndefined();
  });

  it.skipIf(realTwilio)('matches a claimed identity: exact, partial and no match', async () => {
    const phoneNumber = await seeded();
    const match = async (firstName: string, lastName: string) =>
      (
        await twilio.lookup.lookup(phoneNumber, {
          fields: ['identity_match'],
          identity: { firstName, lastName },
        })
      ).identityMatch;
    expect(await match('Katherine', 'Johnson')).toMatchObject({
      firstNameMatch: 'exact_match',
      lastNameMatch: 'exact_match',
      addressLinesMatch: 'no_data_available',
      summaryScore: 100,
      errorCode: null,
    });
    expect(await match('Kathryn', 'Johnsen')).toMatchObject({
      firstNameMatch: 'partial_match',
      lastNameMatch: 'high_partial_match',
      summaryScore: 70,
    });
    expect(await match('Bob', 'Smith')).toMatchObject({
      firstNameMatch: 'no_match',
      lastNameMatch: 'no_match',
      summaryScore: 0,
    });
  });
});
