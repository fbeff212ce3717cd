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
  // Issue 10: a Lookup that keeps failing ends the step FAILED with the reason after the retries, so
  // the inquiry goes on to a decision; the first version parked the event and the inquiry hung.
  it('retries the approved event with backoff, then records the check FAILED with LOOKUP_UNAVAILABLE', async () => {
    const record = {
      id: randomUUID(),
      accountId: randomUUID(),
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
    const [completed] = await eventually(
      () => {
        const events = h.published('identity.database-verification.completed');
        return events.length > 0 && events;
      },
      { what: 'the failed check', timeoutMs: 20_000 },
    );
    expect(completed?.data).toEqual({
      inquiryId: record.id,
      status: 'FAILED',
      nameMatch: null,
      score: null,
      reasons: ['LOOKUP_UNAVAILABLE'],
    });
    // Every delivery asked the inquiry service again: nothing was kept from a failed attempt.
    expect(h.inquiryLookups()).toBe(h.config.EVENT_MAX_DELIVERIES);
    const rows = await h.sql<{ status: string; failure_reason: string }>(
      `SELECT status, failure_reason FROM "${h.config.DB_SCHEMA}".database_verifications`,
    );
    expect(rows).toEqual([{ status: 'FAILED', failure_reason: 'LOOKUP_UNAVAILABLE' }]);
    const parked = await h.sql(`SELECT 1 FROM "${h.config.DB_SCHEMA}".parked_events WHERE event_id = $1`, [
      event.id,
    ]);
    expect(parked).toEqual([]);
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
