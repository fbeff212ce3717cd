import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEV_CREDENTIALS, emulatorControl, startEmulator } from '../src/index.js';
import type { ReceivedRequest, RunningEmulator } from '../src/index.js';

const AUTH = `Basic ${Buffer.from(`${DEV_CREDENTIALS.accountSid}:${DEV_CREDENTIALS.authToken}`).toString('base64')}`;
const SERVICE = `/v2/Services/${DEV_CREDENTIALS.verifyServiceSid}`;

let emulator: RunningEmulator;
const inFlight: ReceivedRequest[] = [];

async function twilio(method: 'GET' | 'POST', path: string, form?: Record<string, string>) {
  const response = await fetch(emulator.url + path, {
    method,
    headers: { Authorization: AUTH, ...(form && { 'Content-Type': 'application/x-www-form-urlencoded' }) },
    ...(form && { body: new URLSearchParams(form).toString() }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const send = (to: string, channel = 'sms', extra: Record<string, string> = {}) =>
  twilio('POST', `${SERVICE}/Verifications`, { To: to, Channel: channel, ...extra });

async function control(path: string, body: unknown) {
  return fetch(emulator.url + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, whileInFlight: (request) => void inFlight.push(request) });
});

beforeEach(async () => {
  await fetch(`${emulator.url}/reset`, { method: 'POST' });
  inFlight.length = 0;
});

afterAll(async () => {
  await emulator.close();
});

describe('POST /faults', () => {
  it('answers the next N requests of an operation with the error asked for, then as usual', async () => {
    await emulatorControl(emulator.url).fault({ operation: 'CreateVerification', times: 2, status: 500 });
    for (let i = 0; i < 2; i++) {
      expect(await send('+12015550100')).toMatchObject({ status: 500, body: { code: 20500, status: 500 } });
    }
    expect((await send('+12015550100')).status).toBe(201);
    // A faulted request changed nothing: the one that went through is the first send.
    const outbox = (await (await fetch(`${emulator.url}/outbox?to=%2B12015550100`)).json()) as unknown[];
    expect(outbox).toHaveLength(1);
  });

  it('answers with a Twilio code of the test’s choosing (60212, 20429)', async () => {
    await control('/faults', { operation: 'verify', status: 429, code: 60212 });
    expect(await send('+12015550101')).toMatchObject({ status: 429, body: { code: 60212 } });
    await control('/faults', { operation: 'lookup', status: 429, code: 20429, message: 'Too many requests' });
    const lookup = await twilio('GET', '/v2/PhoneNumbers/+12015550101');
    expect(lookup).toMatchObject({ status: 429, body: { code: 20429, message: 'Too many requests' } });
    expect((await twilio('GET', '/v2/PhoneNumbers/+12015550101')).status).toBe(200);
  });

  it('delays requests, then serves them', async () => {
    await control('/faults', { operation: 'FetchPhoneNumber', delayMs: 150 });
    const started = performance.now();
    expect((await twilio('GET', '/v2/PhoneNumbers/+12015550102')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('aims at one operation only, lists what is armed, and clears', async () => {
    await control('/faults', { operation: 'CreateVerificationCheck', times: 3, status: 503 });
    expect((await send('+12015550103')).status).toBe(201);
    const armed = (await (await fetch(`${emulator.url}/faults`)).json()) as Array<{ remaining: number }>;
    expect(armed).toEqual([expect.objectContaining({ operation: 'CreateVerificationCheck', remaining: 3 })]);
    expect((await control('/faults/clear', {})).status).toBe(204);
    expect(await (await fetch(`${emulator.url}/faults`)).json()).toEqual([]);
  });

  it('refuses a fault that does nothing or names no operation', async () => {
    expect((await control('/faults', { operation: 'CreateVerification' })).status).toBe(400);
    expect((await control('/faults', { operation: 'SendFax', status: 500 })).status).toBe(400);
    expect((await control('/faults', { status: 200 })).status).toBe(400);
  });
});

describe('refusals seeded per number', () => {
  it('answers 60205 to SMS for a seeded landline, and sends a call', async () => {
    await control('/numbers', { phoneNumber: '+12015550110', lineType: 'landline' });
    expect(await send('+12015550110')).toMatchObject({ status: 400, body: { code: 60205 } });
    expect((await send('+12015550110', 'call')).status).toBe(201);
  });

  it('answers 60605 to every channel for a geo-blocked number', async () => {
    await control('/numbers', { phoneNumber: '+12015550111', geoBlocked: true });
    expect(await send('+12015550111')).toMatchObject({ status: 403, body: { code: 60605 } });
    expect(await send('+12015550111', 'call')).toMatchObject({ status: 403, body: { code: 60605 } });
  });

  it('answers 60410 to SMS for a number Fraud Guard blocks', async () => {
    expect(await send('+14155550199')).toMatchObject({ status: 403, body: { code: 60410 } });
  });
});

describe('the outbox and the in-flight hook', () => {
  it('records the friendly name a message was sent with', async () => {
    await send('+12015550120', 'sms', { CustomFriendlyName: 'Acme Bank', Locale: 'fr' });
    const [message] = (await (await fetch(`${emulator.url}/outbox?to=%2B12015550120`)).json()) as unknown[];
    expect(message).toMatchObject({ friendlyName: 'Acme Bank', locale: 'fr' });
  });

  it('calls whileInFlight for each Twilio request, named by operation, with numbers masked', async () => {
    await send('+12015550121');
    await twilio('GET', '/v2/PhoneNumbers/+12015550121');
    await fetch(`${emulator.url}/outbox`);
    expect(inFlight).toEqual([
      { method: 'POST', path: `${SERVICE}/Verifications`, operation: 'CreateVerification' },
      { method: 'GET', path: '/v2/PhoneNumbers/+***21', operation: 'FetchPhoneNumber' },
    ]);
  });
});
