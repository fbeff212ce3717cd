import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '@attestor/platform';
import { eventually } from '@attestor/platform/testing';
import { ExpirySweeper } from '../src/flows/expiry.js';
import { Inquiries } from '../src/flows/inquiries.js';
import { Lifecycle } from '../src/flows/lifecycle.js';
import { inquiryStores } from '../src/store/index.js';
import { startHarness, TestClock, type Harness, type TestAccount } from './harness.js';

const clock = new TestClock();
let h: Harness;
let acme: TestAccount;
let shortLived: string;

beforeAll(async () => {
  h = await startHarness({ service: { clock }, overrides: { EXPIRY_SWEEP_MS: '100' } });
  acme = await h.createAccount('Acme');
  shortLived = await h.createTemplate(acme.partner, { steps: ['PHONE_OTP'], expiresInSeconds: 300 });
});
afterAll(async () => {
  await h?.stop();
});

const status = async (id: string) =>
  (await h.sql<{ status: string }>(`SELECT status FROM $schema.inquiries WHERE id = $1`, [id]))[0]?.status;

function sweeper(on: Harness, onClock: TestClock, batchSize: number): ExpirySweeper {
  const { dataSource, outbox, pii, logger, schema } = on.service.deps;
  const stores = inquiryStores(dataSource, schema);
  const lifecycle = new Lifecycle(stores);
  const inquiries = new Inquiries(stores, lifecycle, outbox, pii, onClock, {
    contextSecret: on.config.CONTEXT_SECRET,
    idempotencyTtlHours: 24,
  });
  return new ExpirySweeper(
    { inquiryStore: stores.inquiries, lifecycle, outbox, inquiries, clock: onClock, logger },
    { intervalMs: 60_000, batchSize },
  );
}

describe('the expiry sweeper', () => {
  it('expires CREATED and PENDING inquiries once their time has passed, and nothing finished', async () => {
    const created = await h.createInquiry(acme.partner, { templateId: shortLived });
    const pending = await h.createInquiry(acme.partner, { templateId: shortLived });
    const approved = await h.createInquiry(acme.partner, { templateId: shortLived });
    const phone = (inquiryId: string) => ({ inquiryId, countryCode: 'US', channel: 'SMS' as const });
    await h.publish('phone.verification.started', {
      accountId: acme.accountId,
      subjectId: 'pv',
      data: phone(pending.id),
    });
    await h.publish('phone.verification.started', {
      accountId: acme.accountId,
      subjectId: 'pv',
      data: phone(approved.id),
    });
    await h.publish('phone.verification.approved', {
      accountId: acme.accountId,
      subjectId: 'pv',
      data: { ...phone(approved.id), phoneNumberSealed: h.service.deps.pii.seal('+14155550123') },
    });
    await eventually(async () => (await status(pending.id)) === 'PENDING');
    await eventually(async () => (await status(approved.id)) === 'APPROVED');
    expect(await status(created.id)).toBe('CREATED');

    clock.advanceBy(301_000);
    await eventually(
      async () => (await status(created.id)) === 'EXPIRED' && (await status(pending.id)) === 'EXPIRED',
      {
        what: 'both unfinished inquiries expired',
      },
    );
    expect(await status(approved.id)).toBe('APPROVED');
    const event = await eventually(() => h.eventsOf(pending.id, 'inquiry.expired')[0], {
      what: 'inquiry.expired',
    });
    expect(event.data).toMatchObject({ fromStatus: 'PENDING', toStatus: 'EXPIRED' });
    expect(h.eventsOf(created.id, 'inquiry.expired')[0]?.data).toMatchObject({
      fromStatus: 'CREATED',
      toStatus: 'EXPIRED',
    });

    // An approval that arrives after the expiry is late: ignored, the inquiry stays EXPIRED.
    const late = await h.publish('phone.verification.approved', {
      accountId: acme.accountId,
      subjectId: 'pv',
      data: { ...phone(pending.id), phoneNumberSealed: h.service.deps.pii.seal('+14155550123') },
    });
    await eventually(
      async () => (await h.sql(`SELECT 1 FROM $schema.inbox WHERE event_id = $1`, [late.id])).length === 1,
    );
    expect(await status(pending.id)).toBe('EXPIRED');
  });
});

describe('a send the phone service was admitted for', () => {
  it('holds its inquiry open: the sweeper expires it only once the hold has ended', async () => {
    const inquiry = await h.createInquiry(acme.partner, { templateId: shortLived });
    // 50 s before its expiry the send is admitted, held for 60 s.
    clock.advanceBy(250_000);
    /** The phone service's last ask before a send: hold the inquiry open `ms`. */
    const holdFor = (ms: number) =>
      request(
        h.bus,
        'rpc.inquiry.lookup',
        { accountId: acme.accountId, inquiryId: inquiry.id, holdForSendMs: ms },
        { timeoutMs: 5000 },
      );
    const held = await holdFor(60_000);
    expect(held.held).toBe(true);
    // A shorter hold asked meanwhile never shortens the one in place.
    const heldUntil = async () =>
      String(
        (await h.sql(`SELECT send_held_until FROM $schema.inquiries WHERE id = $1`, [inquiry.id]))[0]?.[
          'send_held_until'
        ],
      );
    const before = await heldUntil();
    expect(Date.parse(before)).toBeGreaterThan(0);
    const shorter = await holdFor(1_000);
    expect(shorter.held).toBe(true);
    expect(await heldUntil()).toBe(before);
    // Past its expiry, while the send is held: the sweeper (every 100 ms) leaves it be.
    clock.advanceBy(51_000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await status(inquiry.id)).toBe('CREATED');
    // A late ask is no longer held for: the inquiry expired as far as anyone asking now is concerned.
    const late = await holdFor(60_000);
    expect(late.held).toBe(false);
    clock.advanceBy(10_000);
    await eventually(async () => (await status(inquiry.id)) === 'EXPIRED', {
      what: 'the expiry after the hold',
    });
  });
});

describe('two sweepers at once', () => {
  // Its own service, whose scheduled sweeper stays idle: the two sweepers below do all the work.
  const idleClock = new TestClock();
  let h2: Harness;
  beforeAll(async () => {
    h2 = await startHarness({ service: { clock: idleClock }, overrides: { EXPIRY_SWEEP_MS: '3600000' } });
  });
  afterAll(async () => {
    await h2?.stop();
  });

  it('expires each inquiry exactly once, with one event each', async () => {
    const account = await h2.createAccount('Sweep');
    const templateId = await h2.createTemplate(account.partner, {
      steps: ['PHONE_OTP'],
      expiresInSeconds: 300,
    });
    const ids: string[] = [];
    for (let i = 0; i < 30; i += 1) ids.push((await h2.createInquiry(account.partner, { templateId })).id);
    const [a, b] = [sweeper(h2, idleClock, 4), sweeper(h2, idleClock, 4)];
    expect(await a.sweep()).toBe(0);
    idleClock.advanceBy(301_000);
    const [byA, byB] = await Promise.all([a.sweep(), b.sweep()]);
    expect(byA + byB).toBe(ids.length);
    const [expired] = await h2.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM $schema.inquiries WHERE id = ANY($1) AND status = 'EXPIRED'`,
      [ids],
    );
    expect(expired?.n).toBe(ids.length);
    const events = await h2.sql<{ inquiry_id: string; n: number }>(
      `SELECT inquiry_id, count(*)::int AS n FROM $schema.inquiry_events WHERE type = 'inquiry.expired' GROUP BY inquiry_id`,
    );
    expect(events).toHaveLength(ids.length);
    expect(events.every((e) => e.n === 1)).toBe(true);
    const [outbox] = await h2.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM $schema.outbox WHERE payload->>'type' = 'inquiry.expired'`,
    );
    expect(outbox?.n).toBe(ids.length);
    await eventually(() => ids.every((id) => h2.eventsOf(id, 'inquiry.expired').length === 1), {
      what: 'one published event each',
    });
    expect(await Promise.all([a.sweep(), b.sweep()])).toEqual([0, 0]);
  });
});
