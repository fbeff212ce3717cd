/** Concurrent requests have exactly one effect, and no transaction is open while Twilio or fraud is asked. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '@attestor/platform/testing';
import { uuidv7 } from '@attestor/contracts';
import { PhoneVerificationStore } from '../src/store/verifications.js';
import { PhoneHarness } from './harness.js';

const h = new PhoneHarness();

beforeAll(() => h.start());
afterAll(() => h.stop());

describe('concurrency', () => {
  it('20 concurrent right-code checks: one approval, one event, one Twilio check, 20 APPROVED answers', async () => {
    const { verification, phoneNumber } = await h.started();
    const code = await h.code(phoneNumber);
    const mark = h.twilioRequests.length;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => h.check(h.partner(), verification.id, code)),
    );
    expect(results.map((r) => r.verification?.status)).toEqual(Array(20).fill('APPROVED'));
    expect(h.verifySince(mark)).toEqual(['check 200']);
    await h.event('phone.verification.approved', verification.id);
    expect(h.eventsOf(verification.id).filter((e) => e.type === 'phone.verification.approved')).toHaveLength(
      1,
    );
    expect(await h.row(verification.id)).toMatchObject({ status: 'APPROVED', check_attempts: 1 });
  });

  it('20 concurrent starts on one inquiry: one verification, at most one message', async () => {
    const inquiry = h.inquiry();
    const phoneNumber = h.phoneNumber();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        h.startVerification(h.partner(), { inquiryId: inquiry.id, phoneNumber }),
      ),
    );
    const ids = new Set(results.map((r) => r.verification?.id));
    expect(results.map((r) => r.result.errors)).toEqual(Array(20).fill(undefined));
    expect(ids.size).toBe(1);
    expect(
      await h.sql('SELECT id FROM $schema.phone_verifications WHERE inquiry_id = $1', [inquiry.id]),
    ).toHaveLength(1);
    expect((await h.outbox(phoneNumber)).length).toBeLessThanOrEqual(1);
  });
});

describe('a second active verification of one inquiry', () => {
  it('is refused whole, as CONFLICT: no row, no send, no event, the claim still there', async () => {
    const { verification } = await h.started();
    const { dataSource, schema, outbox } = h.service.deps;
    const store = new PhoneVerificationStore(dataSource, schema);
    const active = await store.find(dataSource.manager, { accountId: h.accountId }, verification.id);
    if (!active) throw new Error('the started verification is not there');
    const rival = { ...active, id: uuidv7() };
    const claimToken = uuidv7();
    await h.sql(
      "INSERT INTO $schema.start_claims (account_id, inquiry_id, token, claimed_until) VALUES ($1, $2, $3, now() + interval '1 minute')",
      [active.accountId, active.inquiryId, claimToken],
    );
    const outboxRows = async () => ((await h.sql('SELECT seq FROM $schema.outbox')) as unknown[]).length;
    const before = await outboxRows();
    const failure = await outbox
      .insertOnce((batch) => {
        batch.add(
          store.insertStatement(rival, {
            sent: { outcome: 'SENT', at: new Date() },
            releaseStartClaim: claimToken,
          }),
        );
        batch.publish('phone.verification.started', {
          accountId: rival.accountId,
          subjectId: rival.id,
          data: {
            inquiryId: rival.inquiryId,
            countryCode: rival.countryCode,
            channel: rival.channel,
            sendCount: 1,
            prefixHashes: rival.prefixHashes,
          },
        });
      })
      .then(
        () => null,
        (error: unknown) => store.whyInsertFailed(error),
      );
    expect(failure).toMatchObject({ code: 'CONFLICT' });
    expect(await h.sql('SELECT id FROM $schema.phone_verifications WHERE id = $1', [rival.id])).toEqual([]);
    expect(
      await h.sql('SELECT id FROM $schema.send_attempts WHERE verification_id = $1', [rival.id]),
    ).toEqual([]);
    expect(await h.sql('SELECT token FROM $schema.start_claims WHERE token = $1', [claimToken])).toHaveLength(
      1,
    );
    expect(await outboxRows()).toBe(before);
  });
});

describe('no transaction across a network call', () => {
  it('holds none while Twilio (send, check, update) or the fraud engine is asked', async () => {
    h.watchTransactions = true;
    try {
      const inquiry = h.inquiry();
      const { verification, phoneNumber } = await h.started(inquiry);
      await h.resend(h.partner(), verification.id);
      await h.check(h.partner(), verification.id, '000000');
      await h.startVerification(h.partner(), { inquiryId: inquiry.id, phoneNumber: h.phoneNumber() });
      await h.check(h.partner(), verification.id, await h.code(phoneNumber));
    } finally {
      h.watchTransactions = false;
    }
    expect(new Set(h.callsWatched)).toEqual(
      new Set([
        'rpc.fraud.assess',
        'rpc.inquiry.lookup',
        'Twilio CreateVerification',
        'Twilio CreateVerificationCheck',
        'Twilio UpdateVerification',
      ]),
    );
    expect(h.transactionsAcrossCalls).toEqual([]);
  });

  it('would see one (the watch itself is tested)', async () => {
    const intruder = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      application_name: `attestor-${h.schema}`,
    });
    await intruder.connect();
    try {
      await intruder.query('BEGIN');
      await intruder.query('SELECT 1');
      h.watchTransactions = true;
      await h.started();
    } finally {
      h.watchTransactions = false;
      await intruder.query('ROLLBACK');
      await intruder.end();
    }
    expect(h.transactionsAcrossCalls.length).toBeGreaterThan(0);
    h.transactionsAcrossCalls.length = 0;
  });
});
