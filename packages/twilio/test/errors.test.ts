import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorRequestClient, TwilioProviderError, createTwilioClient } from '../src/index.js';
import type { OtpOutcome, TwilioFailure, TwilioProviders } from '../src/index.js';

const CREDENTIALS = {
  accountSid: `AC${'1'.repeat(32)}`,
  authToken: 'a'.repeat(32),
  verifyServiceSid: `VA${'2'.repeat(32)}`,
};

/** A stand-in for Twilio that answers what each test needs: an outage, throttling, or silence. */
let answer: { status: number; body: unknown } | 'silence' = 'silence';
let server: Server;
let twilio: TwilioProviders;
const UNKNOWN_SID = `VE${'0'.repeat(32)}`;

beforeAll(async () => {
  server = createServer((_request, response) => {
    if (answer === 'silence') return;
    response
      .writeHead(answer.status, { 'Content-Type': 'application/json' })
      .end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  twilio = createTwilioClient({ ...CREDENTIALS, emulatorUrl: url, timeoutMs: 200 });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(call: Promise<unknown>): Promise<TwilioProviderError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TwilioProviderError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** The typed outcome of an OTP call that failed (OtpProvider never throws for a Twilio answer). */
async function otpFailure(call: Promise<OtpOutcome<string>>): Promise<TwilioFailure> {
  const outcome = await call;
  if ('verification' in outcome) throw new Error('expected the call to fail');
  return outcome;
}

function twilioError(code: number, status: number) {
  return { code, message: `error ${code}`, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

describe('TwilioProviderError', () => {
  const lookup = (phoneNumber: string) => twilio.lookup.lookup(phoneNumber, { fields: [] });

  it('marks a Twilio 5xx as retryable', async () => {
    answer = { status: 503, body: twilioError(20503, 503) };
    expect(await failure(lookup('+14155550100'))).toMatchObject({
      kind: 'unavailable',
      twilioCode: 20503,
      httpStatus: 503,
      retryable: true,
      message: 'error 20503',
    });
    expect(await otpFailure(twilio.otp.fetch(UNKNOWN_SID))).toEqual({
      kind: 'unavailable',
      twilioCode: 20503,
      httpStatus: 503,
      message: 'error 20503',
    });
  });

  it.each([
    [60200, 400, 'invalid'],
    [20404, 404, 'not-found'],
    [60202, 429, 'max-check-attempts'],
    [60203, 429, 'max-send-attempts'],
    [60205, 400, 'landline'],
    [60212, 429, 'concurrent'],
    [60410, 403, 'fraud-guard'],
    [60605, 403, 'geo-blocked'],
    [20429, 429, 'rate-limited'],
    [20003, 401, 'refused'],
  ] as const)('types Twilio %i (HTTP %i) as %s', async (code, status, kind) => {
    answer = { status, body: twilioError(code, status) };
    expect(await otpFailure(twilio.otp.send({ to: '+14155550100', channel: 'sms' }))).toMatchObject({
      kind,
      twilioCode: code,
      httpStatus: status,
    });
  });

  it('marks Twilio throttling (20429) as retryable, but not the Verify attempt limits', async () => {
    answer = { status: 429, body: twilioError(20429, 429) };
    expect(await failure(lookup('+14155550100'))).toMatchObject({ twilioCode: 20429, retryable: true });
    answer = { status: 429, body: twilioError(60203, 429) };
    expect(await failure(lookup('+14155550100'))).toMatchObject({ twilioCode: 60203, retryable: false });
  });

  it('keeps the HTTP status when the body is not Twilio’s', async () => {
    answer = { status: 502, body: 'Bad Gateway' };
    expect(await failure(lookup('+14155550100'))).toMatchObject({
      twilioCode: 0,
      httpStatus: 502,
      retryable: true,
      message: expect.stringContaining('502'),
    });
  });

  it('marks a timeout as retryable, with no Twilio code', async () => {
    answer = 'silence';
    const error = await failure(lookup('+14155550100'));
    expect(error).toMatchObject({ kind: 'unavailable', twilioCode: 0, httpStatus: 0, retryable: true });
    expect(error.message).toMatch(/^No response from Twilio/);
    expect(await otpFailure(twilio.otp.fetch(UNKNOWN_SID))).toMatchObject({ kind: 'unavailable' });
  });

  it('marks a refused connection as retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const providers = createTwilioClient({ ...CREDENTIALS, emulatorUrl: `http://127.0.0.1:${port}` });
    expect(await failure(providers.lookup.lookup('+14155550100', { fields: [] }))).toMatchObject({
      twilioCode: 0,
      retryable: true,
    });
    expect(await otpFailure(providers.otp.fetch(UNKNOWN_SID))).toMatchObject({ kind: 'unavailable' });
  });
});

describe('EmulatorRequestClient', () => {
  const client = new EmulatorRequestClient('http://127.0.0.1:4010/twilio/');

  it('sends Verify and Lookup requests to the emulator, keeping path and query', () => {
    expect(client.resolve('https://verify.twilio.com/v2/Services/VA1/Verifications')).toBe(
      'http://127.0.0.1:4010/twilio/v2/Services/VA1/Verifications',
    );
    expect(client.resolve('https://lookups.twilio.com/v2/PhoneNumbers/+14155550100?Fields=caller_name')).toBe(
      'http://127.0.0.1:4010/twilio/v2/PhoneNumbers/+14155550100?Fields=caller_name',
    );
    expect(client.resolve('https://verify.dublin.ie1.twilio.com/v2/Services')).toBe(
      'http://127.0.0.1:4010/twilio/v2/Services',
    );
  });

  it('leaves every other Twilio API alone', () => {
    for (const uri of [
      'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json',
      'https://messaging.twilio.com/v1/Services',
      'https://verify.twilio.com.attacker.example/v2/Services',
    ]) {
      expect(client.resolve(uri)).toBe(uri);
    }
  });
});
