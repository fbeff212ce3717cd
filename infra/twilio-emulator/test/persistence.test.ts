import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_CREDENTIALS, emulatorControl, startEmulator } from '../src/index.js';
import { saveDelayMs } from '../src/persistence.js';

/** EMULATOR_STATE_PATH: a restarted emulator still knows its codes, verifications, numbers and clock. */
const AUTH = `Basic ${Buffer.from(`${DEV_CREDENTIALS.accountSid}:${DEV_CREDENTIALS.authToken}`).toString('base64')}`;
const SERVICE = `/v2/Services/${DEV_CREDENTIALS.verifyServiceSid}`;
const directory = mkdtempSync(join(tmpdir(), 'emulator-state-'));
const messages: string[] = [];
const log = (message: string) => void messages.push(message);

afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function verify(url: string, path: string, form: Record<string, string>) {
  const response = await fetch(url + SERVICE + path, {
    method: 'POST',
    headers: { Authorization: AUTH, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the emulator state file', () => {
  it('carries a pending code, a seeded number and the clock across a restart', async () => {
    const statePath = join(directory, 'state.json');
    const first = await startEmulator({ port: 0, statePath, log });
    const control = emulatorControl(first.url);
    await control.seed({ phoneNumber: '+14155550190', callerName: 'GRACE HOPPER', smsPumpingRiskScore: 7 });
    for (const to of ['+14155550190', '+14155550191']) {
      expect((await verify(first.url, '/Verifications', { To: to, Channel: 'sms' })).status).toBe(201);
    }
    await control.advanceClock(60);
    const code = await control.latestCode('+14155550190');
    await first.close();

    const second = await startEmulator({ port: 0, statePath, log });
    try {
      expect(messages.at(-1)).toMatch(/^restored 2 verifications, 2 messages and \d+ numbers from /);
      const again = emulatorControl(second.url);
      expect(await again.latestCode('+14155550190')).toBe(code);
      const lookup = await fetch(`${second.url}/v2/PhoneNumbers/+14155550190?Fields=caller_name`, {
        headers: { Authorization: AUTH },
      });
      expect(
        ((await lookup.json()) as { caller_name: { caller_name: string } }).caller_name.caller_name,
      ).toBe('GRACE HOPPER');
      // The verification was pending before the restart: the same code approves it after.
      const checked = await verify(second.url, '/VerificationCheck', { To: '+14155550190', Code: code });
      expect(checked.body['status']).toBe('approved');
      // The clock kept its offset: a 600 s code sent at 0 is expired 541 s after a restart at 60.
      await again.advanceClock(541);
      const late = await verify(second.url, '/VerificationCheck', {
        To: '+14155550191',
        Code: await again.latestCode('+14155550191'),
      });
      expect(late.status).toBe(404);
    } finally {
      await second.close();
    }
  });

  it('sets an unreadable file aside and starts empty, saying so', async () => {
    const statePath = join(directory, 'broken.json');
    writeFileSync(statePath, '{"version": 1, "outbox": [');
    const emulator = await startEmulator({ port: 0, statePath, log });
    try {
      expect(messages.at(-1)).toMatch(
        /^could not read .*broken\.json .*set it aside as .*unreadable-\d+ and started empty$/,
      );
      expect(readdirSync(directory).some((name) => name.startsWith('broken.json.unreadable-'))).toBe(true);
      expect(await emulatorControl(emulator.url).outbox('+14155550190')).toEqual([]);
    } finally {
      await emulator.close();
    }
  });

  it('saves 50 ms after a change while saves are quick, and spaces slow saves to about 5 % of the time', () => {
    expect(saveDelayMs(0)).toBe(50);
    expect(saveDelayMs(2)).toBe(50);
    expect(saveDelayMs(40)).toBe(800);
    expect(saveDelayMs(1_000)).toBe(5_000);
  });
});
