import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLED_FIXTURES, ConfigError, DEV_CREDENTIALS, loadConfig, startEmulator } from '../src/index.js';
import type { RequestLogEntry, RunningEmulator } from '../src/index.js';
import { loadFixtures } from '../src/fixtures.js';

const AUTH = `Basic ${Buffer.from(`${DEV_CREDENTIALS.accountSid}:${DEV_CREDENTIALS.authToken}`).toString('base64')}`;
const SERVICE = `/v2/Services/${DEV_CREDENTIALS.verifyServiceSid}`;

let emulator: RunningEmulator;
const log: RequestLogEntry[] = [];

async function send(to: string): Promise<Response> {
  return fetch(`${emulator.url}${SERVICE}/Verifications`, {
    method: 'POST',
    headers: { Authorization: AUTH, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ To: to, Channel: 'sms' }).toString(),
  });
}

async function postJson(pathname: string, body: unknown): Promise<Response> {
  return fetch(emulator.url + pathname, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, onRequest: (entry) => log.push(entry) });
});

beforeEach(async () => {
  await fetch(`${emulator.url}/reset`, { method: 'POST' });
  log.length = 0;
});

afterAll(async () => {
  await emulator.close();
});

describe('control endpoints', () => {
  it('GET /health answers without credentials', async () => {
    const response = await fetch(`${emulator.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /outbox lists what was sent, newest first, filtered by destination', async () => {
    await send('+12015550001');
    await send('+12015550002');
    const all = (await (await fetch(`${emulator.url}/outbox`)).json()) as Array<{ to: string; code: string }>;
    expect(all.map((message) => message.to)).toEqual(['+12015550002', '+12015550001']);
    const one = await (await fetch(`${emulator.url}/outbox?to=%2B12015550001`)).json();
    expect(one).toEqual([
      {
        to: '+12015550001',
        channel: 'sms',
        code: expect.stringMatching(/^\d{6}$/),
        sid: expect.stringMatching(/^VE[0-9a-f]{32}$/),
        sentAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        locale: 'en',
        friendlyName: null,
      },
    ]);
  });

  it('GET /outbox refuses a destination that is not E.164', async () => {
    const response = await fetch(`${emulator.url}/outbox?to=4155550100`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 60200, message: expect.stringContaining('`to`') });
  });

  it('POST /numbers seeds a number and refuses a bad field by name', async () => {
    const seeded = await postJson('/numbers', {
      phoneNumber: '+12015550003',
      callerName: 'Radia Perlman',
      blocked: true,
    });
    expect(seeded.status).toBe(201);
    expect(await seeded.json()).toMatchObject({ firstName: 'Radia', lastName: 'Perlman', blocked: true });
    expect((await send('+12015550003')).status).toBe(403);

    const refused = await postJson('/numbers', { phoneNumber: '+12015550003', smsPumpingRiskScore: 101 });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ message: expect.stringContaining('`smsPumpingRiskScore`') });
    expect((await postJson('/numbers', { phoneNumber: '12345' })).status).toBe(400);
    expect((await postJson('/numbers', { phoneNumber: '+12015550003', shoeSize: 44 })).status).toBe(400);
  });

  it('POST /clock moves time forward and refuses anything but a positive advance', async () => {
    const sid = ((await (await send('+12015550004')).json()) as { sid: string }).sid;
    const fetchIt = (): Promise<Response> =>
      fetch(`${emulator.url}${SERVICE}/Verifications/${sid}`, { headers: { Authorization: AUTH } });
    expect((await fetchIt()).status).toBe(200);
    expect((await postJson('/clock', { advanceSeconds: 600 })).status).toBe(200);
    expect((await fetchIt()).status).toBe(404);
    expect((await postJson('/clock', { advanceSeconds: -5 })).status).toBe(400);
    expect((await postJson('/clock', {})).status).toBe(400);
  });

  it('POST /reset brings back the fixtures', async () => {
    await postJson('/numbers', { phoneNumber: '+14155550100', callerName: 'Someone Else' });
    expect((await fetch(`${emulator.url}/reset`, { method: 'POST' })).status).toBe(204);
    const lookup = await fetch(`${emulator.url}/v2/PhoneNumbers/+14155550100?Fields=caller_name`, {
      headers: { Authorization: AUTH },
    });
    expect(await lookup.json()).toMatchObject({ caller_name: { caller_name: 'Ada Lovelace' } });
  });
});

describe('requests Twilio would refuse', () => {
  it('answers 401 with code 20003 to a wrong password', async () => {
    const wrong = `Basic ${Buffer.from(`${DEV_CREDENTIALS.accountSid}:wrong`).toString('base64')}`;
    const response = await fetch(`${emulator.url}/v2/PhoneNumbers/+14155550100`, {
      headers: { Authorization: wrong },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="Twilio API"');
    expect(await response.json()).toEqual({
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
  });

  it('answers 404 to an unknown path and 405 to a wrong method', async () => {
    const unknown = await fetch(`${emulator.url}/v2/Nothing`, { headers: { Authorization: AUTH } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 20404 });
    const wrongMethod = await fetch(`${emulator.url}${SERVICE}/VerificationCheck`, {
      headers: { Authorization: AUTH },
    });
    expect(wrongMethod.status).toBe(405);
  });
});

describe('the request log', () => {
  it('has one entry per request, with phone numbers masked and no query string', async () => {
    await fetch(`${emulator.url}/v2/PhoneNumbers/+14155550100?FirstName=Ada`, {
      headers: { Authorization: AUTH },
    });
    expect(log).toEqual([
      { method: 'GET', path: '/v2/PhoneNumbers/+***00', status: 200, ms: expect.any(Number) },
    ]);
    await send('+12015550005');
    expect(log[1]).toMatchObject({ path: `${SERVICE}/Verifications`, status: 201 });
  });
});

describe('configuration', () => {
  it('defaults to the development credentials and port 4010', () => {
    expect(loadConfig({})).toEqual({
      port: 4010,
      host: '127.0.0.1',
      ...DEV_CREDENTIALS,
      fixturesPath: BUNDLED_FIXTURES,
      outboxCapacity: 1000,
    });
  });

  it.each([
    [{ EMULATOR_PORT: '70000' }, 'Invalid EMULATOR_PORT: must be between 0 and 65535'],
    [{ TWILIO_ACCOUNT_SID: 'SK123' }, 'Invalid TWILIO_ACCOUNT_SID: must be AC followed by 32 hex digits'],
    [
      { TWILIO_VERIFY_SERVICE_SID: 'VA1' },
      'Invalid TWILIO_VERIFY_SERVICE_SID: must be VA followed by 32 hex digits',
    ],
    [{ TWILIO_AUTH_TOKEN: 'secret' }, 'Invalid TWILIO_AUTH_TOKEN: must be at least 8 characters'],
  ])('stops on %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });

  it('refuses a fixtures file that does not hold valid numbers', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'fixtures-')), 'numbers.json');
    writeFileSync(file, JSON.stringify([{ phoneNumber: '+14155550100', lineType: 'carrier pigeon' }]));
    expect(() => loadFixtures(file)).toThrow(/^Invalid EMULATOR_FIXTURES: .* at \[0\.lineType\]/);
    expect(() => loadFixtures(path.join(path.dirname(file), 'absent.json'))).toThrow(/cannot read/);
    expect(loadFixtures(BUNDLED_FIXTURES).length).toBeGreaterThan(0);
  });
});
