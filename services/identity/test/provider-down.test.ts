import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@attestor/platform';
import { eventually, publishEvent, unreachableUrl, uniqueName } from '@attestor/platform/testing';
import { identityConfigShape } from '../src/config.js';
import { startIdentityHarness, type IdentityHarness } from './harness.js';

const run = uniqueName('identitydown');
let h: IdentityHarness;

beforeAll(async () => {
  h = await startIdentityHarness(run, { emulatorUrl: await unreachableUrl() });
});
afterAll(async () => {
  await h?.stop();
});

describe('Lookup does not answer', () => {
  it('retries the approved event, then parks it for an operator, storing and publishing nothing', async () => {
    const record = {
      id: randomUUID(),
      accountId: 'acc_down',
      steps: ['DATABASE_NAME_MATCH' as const],
      name: { first: 'Ada', last: 'Lovelace' },
    };
    h.inquiries.set(record.id, record);
    const event = await publishEvent(h.bus, 'phone.verification.approved', {
      accountId: record.accountId,
      subjectId: randomUUID(),
      data: {
        inquiryId: record.id,
        countryCode: 'US',
        channel: 'SMS',
        phoneNumberSealed: h.pii.seal('+14155550100'),
      },
    });
    const [parked] = await eventually(
      async () => {
        const rows = await h.sql<{ error: string; deliveries: number }>(
          `SELECT error, deliveries FROM "${h.config.DB_SCHEMA}".parked_events WHERE event_id = $1`,
          [event.id],
        );
        return rows.length > 0 && rows;
      },
      { what: 'the event to be parked', timeoutMs: 20_000 },
    );
    expect(parked?.error).toMatch(/^TwilioProviderError/);
    expect(parked?.deliveries).toBe(h.config.EVENT_MAX_DELIVERIES);
    // Every delivery asked the inquiry service again: nothing was kept from a failed attempt.
    expect(h.inquiryLookups()).toBe(h.config.EVENT_MAX_DELIVERIES);
    const rows = await h.sql(`SELECT id FROM "${h.config.DB_SCHEMA}".database_verifications`);
    expect(rows).toEqual([]);
    expect(h.published('identity.database-verification.completed')).toEqual([]);
  });
});

describe('identity config', () => {
  it('defaults to port 4004 and names a bad variable', () => {
    expect(parseConfig(identityConfigShape, {}).PORT).toBe(4004);
    expect(() => parseConfig(identityConfigShape, { DB_SCHEMA: 'Bad-Schema' })).toThrow(/DB_SCHEMA/);
    expect(() => parseConfig(identityConfigShape, { TWILIO_EMULATOR_URL: 'not a url' })).toThrow(
      /TWILIO_EMULATOR_URL/,
    );
  });
});
