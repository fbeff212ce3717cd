import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '@attestor/platform';
import { eventually, partnerCaller, publishEvent, TestClock, uniqueName } from '@attestor/platform/testing';
import { SOLVED_GRACE_MINUTES } from '../src/domain/breaker.js';
import { prefixesOf } from '../src/domain/number.js';
import { DecisionContextStore, plannedContextPool } from '../src/store/decision-context.js';
import { startFraudHarness, type FraudHarness } from './harness.js';

/**
 * The layers against real Postgres and NATS and the emulator through the SDK: velocity on the shared
 * store, lists, breakers from phone events (several replicas), "verified before", statistics buckets,
 * and the answers to bad input.
 */
const run = uniqueName('fraudlayers');
const clock = new TestClock();
let h: FraudHarness;

beforeAll(async () => {
  h = await startFraudHarness(run, { clock, env: { FRAUD_BREAKER_SWEEP_MS: '100' } });
});
afterAll(async () => {
  await h?.stop();
});

const newAccount = () => `acc_${randomUUID().slice(0, 8)}`;
/** Whether a second instance runs (tests that need one start it once). */
let replicated = false;
let serial = 0;
/** A fresh valid mobile number of one country, seeded clean (score 5) unless told otherwise. */
async function number(
  country: 'US' | 'GB' | 'UZ' = 'US',
  score = 5,
  lineType: 'mobile' | 'landline' = 'mobile',
) {
  serial += 1;
  const tail = String(serial).padStart(4, '0');
  const stems = { US: `+1415${String(200 + (serial % 700)).padStart(3, '0')}`, GB: '+447400', UZ: '+99890' };
  // Spread over ranges, so one test's numbers do not share prefixes (the prefix rules count those).
  const spread = String((serial * 2_654_435_761) % 10_000_000).padStart(7, '0');
  const body = { US: tail, GB: spread.slice(1), UZ: spread };
  const phoneNumber = `${stems[country]}${body[country]}`;
  await h.seed({ phoneNumber, smsPumpingRiskScore: score, lineType });
  return phoneNumber;
}

async function assess(
  accountId: string,
  phoneNumber: string,
  extra: {
    ip?: string | null;
    verificationId?: string;
    inquiryId?: string;
    challengeSolved?: boolean;
    channel?: 'SMS' | 'CALL';
  } = {},
) {
  const verificationId = extra.verificationId ?? randomUUID();
  const inquiryId = extra.inquiryId ?? randomUUID();
  const reply = await request(
    h.bus,
    'rpc.fraud.assess',
    {
      accountId,
      inquiryId,
      verificationId,
      phoneNumberSealed: h.pii.seal(phoneNumber),
      countryCode: 'US',
      channel: extra.channel ?? 'SMS',
      ip: extra.ip === undefined ? '198.51.100.1' : extra.ip,
      challengeSolved: extra.challengeSolved ?? false,
    },
    { timeoutMs: 10_000 },
  );
  return { ...reply, verificationId, inquiryId };
}

/** What the phone service publishes when it sent a code for the verification. */
async function sent(
  accountId: string,
  a: { verificationId: string; inquiryId: string },
  phoneNumber: string,
  country = 'US',
) {
  await publishEvent(h.bus, 'phone.verification.started', {
    accountId,
    subjectId: a.verificationId,
    data: {
      inquiryId: a.inquiryId,
      countryCode: country,
      channel: 'SMS',
      sendCount: 1,
      prefixHashes: prefixesOf(phoneNumber).map((p) => h.pii.hash(p)),
    },
  });
}

async function approved(
  accountId: string,
  a: { verificationId: string; inquiryId: string },
  phoneNumber: string,
  country = 'US',
) {
  await publishEvent(h.bus, 'phone.verification.approved', {
    accountId,
    subjectId: a.verificationId,
    data: {
      inquiryId: a.inquiryId,
      countryCode: country,
      channel: 'SMS',
      sendCount: 1,
      prefixHashes: prefixesOf(phoneNumber).map((p) => h.pii.hash(p)),
      phoneNumberSealed: h.pii.seal(phoneNumber),
    },
  });
}

const inboxCount = async () =>
  (await h.sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${h.config.DB_SCHEMA}".inbox`))[0]?.n ?? 0;
/** Waits until the fraud service handled `n` more events than `before`. */
const handled = (before: number, n: number) =>
  eventually(async () => (await inboxCount()) >= before + n, { what: `${n} events handled` });

/** An account with one verified send (in the US): past a brand-new account's higher floors. */
async function established(): Promise<string> {
  const accountId = newAccount();
  const phone = await number();
  const a = await assess(accountId, phone, { ip: null });
  const before = await inboxCount();
  await sent(accountId, a, phone);
  await approved(accountId, a, phone);
  await handled(before, 2);
  return accountId;
}

describe('velocity on the shared store', () => {
  it('allows 5 sends to one number in 10 minutes and blocks the 6th (Verify’s limit)', async () => {
    const accountId = newAccount();
    const phone = await number();
    for (let i = 0; i < 5; i++) expect((await assess(accountId, phone, { ip: null })).decision).toBe('ALLOW');
    const sixth = await assess(accountId, phone, { ip: null });
    expect(sixth).toMatchObject({ decision: 'BLOCK', reasons: ['VELOCITY_NUMBER'] });
    const [row] = await h.sql<{
      details: { velocity: string; rules: Array<{ rule: string; saw: unknown }> };
    }>(`SELECT details FROM "${h.config.DB_SCHEMA}".assessments WHERE id = $1`, [sixth.assessmentId]);
    expect(row?.details.velocity).toBe('SHARED');
    expect(row?.details.rules.find((r) => r.rule === 'VELOCITY_NUMBER')?.saw).toEqual({
      sentLast10Minutes: 5,
      limit: 5,
    });
  });

  it('shares the counts between replicas', async () => {
    const replica = await h.replica();
    expect(replica.url).not.toBe(h.service.url);
    const accountId = newAccount();
    const phone = await number();
    // The queue group spreads the asks over both instances; the counts are the store's.
    for (let i = 0; i < 5; i++) await assess(accountId, phone, { ip: null });
    expect((await assess(accountId, phone, { ip: null })).reasons).toEqual(['VELOCITY_NUMBER']);
  });
});

describe('lists over GraphQL', () => {
  const add = (accountId: string, input: Record<string, unknown>) =>
    h.gql<{
      addFraudListEntry: { id: string; kind: string; match: string; value: string; note: string | null };
    }>(
      partnerCaller(accountId),
      `mutation ($input: FraudListEntryInput!) { addFraudListEntry(input: $input) { id kind match value note } }`,
      { input },
    );

  it('blocks and allows by number (shown masked), prefix, address range and country', async () => {
    const accountId = newAccount();
    const phone = await number();
    const entry = await add(accountId, { kind: 'BLOCK', match: 'PHONE_NUMBER', value: phone, note: 'abuse' });
    expect(entry.errors).toBeUndefined();
    expect(entry.data?.addFraudListEntry).toMatchObject({
      kind: 'BLOCK',
      match: 'PHONE_NUMBER',
      note: 'abuse',
    });
    expect(entry.data?.addFraudListEntry.value).toBe(`+1${'*'.repeat(6)}${phone.slice(-4)}`);
    expect(await assess(accountId, phone)).toMatchObject({ decision: 'BLOCK', reasons: ['LIST_BLOCKED'] });

    await add(accountId, { kind: 'BLOCK', match: 'IP', value: '203.0.113.77/24' });
    expect((await assess(accountId, await number(), { ip: '203.0.113.9' })).reasons).toEqual([
      'LIST_BLOCKED',
    ]);
    await add(accountId, { kind: 'BLOCK', match: 'COUNTRY', value: 'gb' });
    expect((await assess(accountId, await number('GB'))).reasons).toEqual(['LIST_BLOCKED']);
    // A more specific ALLOW beats the country block.
    const trusted = await number('GB');
    await add(accountId, { kind: 'ALLOW', match: 'PREFIX', value: trusted.slice(0, 9) });
    expect(await assess(accountId, trusted)).toMatchObject({ decision: 'ALLOW', reasons: ['LIST_ALLOWED'] });

    const list = await h.gql<{ fraudListEntries: Array<{ id: string; match: string; value: string }> }>(
      partnerCaller(accountId),
      `{ fraudListEntries { id match value } }`,
    );
    expect(list.data?.fraudListEntries.map((e) => [e.match, e.value])).toEqual([
      ['PHONE_NUMBER', entry.data?.addFraudListEntry.value],
      ['IP', '203.0.113.0/24'],
      ['COUNTRY', 'GB'],
      ['PREFIX', trusted.slice(0, 9)],
    ]);
    const id = entry.data?.addFraudListEntry.id as string;
    const foreign = await h.gql(
      partnerCaller(newAccount()),
      `mutation ($id: ID!) { removeFraudListEntry(id: $id) { id } }`,
      { id },
    );
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const removed = await h.gql(
      partnerCaller(accountId),
      `mutation ($id: ID!) { removeFraudListEntry(id: $id) { id } }`,
      { id },
    );
    expect(removed.errors).toBeUndefined();
    expect((await assess(accountId, phone)).decision).toBe('ALLOW');
  });

  it.each([
    [{ kind: 'BLOCK', match: 'PHONE_NUMBER', value: '12345' }, 'input.value'],
    [{ kind: 'BLOCK', match: 'PREFIX', value: '99890' }, 'input.value'],
    [{ kind: 'BLOCK', match: 'PREFIX', value: '+14155550123' }, 'input.value'],
    [{ kind: 'BLOCK', match: 'IP', value: '300.1.1.1' }, 'input.value'],
    [{ kind: 'BLOCK', match: 'COUNTRY', value: 'XX' }, 'input.value'],
    [{ kind: 'BLOCK', match: 'COUNTRY', value: 'UZ', note: 'x'.repeat(201) }, 'input.note'],
    [{ kind: 'BLOCK', match: 'COUNTRY', value: 'x'.repeat(201) }, 'input.value'],
  ])('refuses %j with BAD_USER_INPUT on %s', async (input, field) => {
    const result = await add(newAccount(), input);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});

describe('policy and lists kept in memory per instance', () => {
  const updatePolicy = (accountId: string, input: Record<string, unknown>) =>
    h.gql(
      partnerCaller(accountId),
      `mutation ($input: FraudPolicyInput!) { updateFraudPolicy(input: $input) { mode } }`,
      { input },
    );

  it('reads a change at once on every instance: the settings version rides in the one read', async () => {
    // Two instances' copies of the settings, on the service's database.
    const instances = [1, 2].map(
      () => new DecisionContextStore(h.service.deps.dataSource, h.config.DB_SCHEMA as string),
    );
    const accountId = newAccount();
    const phone = await number('GB');
    const read = (store: DecisionContextStore) =>
      store.read(store.reader, { accountId, phoneHash: h.pii.hash(phone), keys: [], now: clock.now() });
    for (const store of instances) {
      const context = await read(store);
      expect(context.policy.countries).toEqual([]);
      expect(context.entries).toEqual([]);
    }
    expect(
      (await updatePolicy(accountId, { countries: [{ countryCode: 'GB', smsAllowed: false }] })).errors,
    ).toBeUndefined();
    for (const store of instances) {
      expect((await read(store)).policy.countries).toMatchObject([{ countryCode: 'GB', smsAllowed: false }]);
    }
    const added = await h.gql<{ addFraudListEntry: { id: string } }>(
      partnerCaller(accountId),
      `mutation { addFraudListEntry(input: { kind: BLOCK, match: COUNTRY, value: "UZ" }) { id } }`,
    );
    for (const store of instances) expect((await read(store)).entries.map((e) => e.value)).toEqual(['UZ']);
    await h.gql(partnerCaller(accountId), `mutation ($id: ID!) { removeFraudListEntry(id: $id) { id } }`, {
      id: added.data?.addFraudListEntry.id,
    });
    for (const store of instances) expect((await read(store)).entries).toEqual([]);
  });

  it('reads the same context on the planned pool, its statement planned once and never by a scan', async () => {
    const planned = plannedContextPool({
      url: h.config.DATABASE_URL,
      schema: h.config.DB_SCHEMA as string,
      poolSize: 1,
      logger: h.service.deps.logger,
    });
    try {
      const schema = h.config.DB_SCHEMA as string;
      const onPool = new DecisionContextStore(h.service.deps.dataSource, schema, planned.reader);
      const onService = new DecisionContextStore(h.service.deps.dataSource, schema);
      expect(onPool.decisionReader).toBe(planned.reader);
      const accountId = await established();
      const phone = await number('US');
      await assess(accountId, phone);
      const ask = {
        accountId,
        phoneHash: h.pii.hash(phone),
        keys: [
          { scope: 'COUNTRY' as const, key: 'US' },
          { scope: 'ACCOUNT' as const, key: '' },
        ],
        now: clock.now(),
      };
      const expected = await onService.read(onService.decisionReader, ask);
      expect(expected.accountEverVerified).toBe(true);
      for (let run = 0; run < 3; run++)
        expect(await onPool.read(onPool.decisionReader, ask)).toEqual(expected);
      // The pool's one connection: its settings, and how its statement was planned.
      expect(await planned.reader.query('SELECT current_setting($1) AS v', ['enable_seqscan'])).toEqual([
        { v: 'off' },
      ]);
      const plans = (await planned.reader.query(
        `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE $1`,
        ['WITH sv AS%'],
      )) as Array<{ generic_plans: string; custom_plans: string }>;
      expect(plans).toHaveLength(1);
      expect(Number(plans[0]?.generic_plans)).toBeGreaterThanOrEqual(2);
      expect(Number(plans[0]?.custom_plans)).toBe(0);
    } finally {
      await planned.close();
    }
  });

  it('answers every ask after a policy change by the new policy, whichever replica answers', async () => {
    await h.replica();
    const accountId = newAccount();
    const phones = await Promise.all(Array.from({ length: 16 }, () => number('GB')));
    // Every instance has read (and kept) the account's settings: the queue group spreads the asks.
    for (const phone of phones.slice(0, 8))
      expect((await assess(accountId, phone, { ip: null })).decision).toBe('ALLOW');
    expect(
      (await updatePolicy(accountId, { countries: [{ countryCode: 'GB', smsAllowed: false }] })).errors,
    ).toBeUndefined();
    for (const phone of phones.slice(8)) {
      expect(await assess(accountId, phone, { ip: null })).toMatchObject({
        decision: 'BLOCK',
        reasons: ['COUNTRY_SMS_DISABLED'],
      });
    }
  });
});

describe('conversion breakers from the phone events', () => {
  it('opens on unverified sends, publishes it, lists it, and an operator closes it', async () => {
    const accountId = await established();
    const before = await inboxCount();
    // Two sends to Uzbekistan that never verify: the account never verified there (floor 1).
    for (let i = 0; i < 2; i++) {
      const phone = await number('UZ');
      const a = await assess(accountId, phone);
      expect(a.decision).toBe('ALLOW');
      await sent(accountId, a, phone, 'UZ');
    }
    await handled(before, 2);
    const third = await assess(accountId, await number('UZ'));
    expect(third.decision).toBe('CHALLENGE');
    expect(third.reasons).toContain('BREAKER_OPEN');
    const opened = await eventually(
      () => h.published('fraud.breaker.opened').find((e) => e.accountId === accountId),
      {
        what: 'fraud.breaker.opened',
      },
    );
    expect(opened.data).toEqual({ scope: 'COUNTRY', conversionRate: 0 });
    const listed = await h.gql<{ fraudBreakers: Array<Record<string, unknown>> }>(
      partnerCaller(accountId),
      `{ fraudBreakers { id scope key reason unverifiedSends threshold closedAt } }`,
    );
    expect(listed.data?.fraudBreakers.filter((b) => b['scope'] === 'COUNTRY')).toEqual([
      {
        id: opened.subjectId,
        scope: 'COUNTRY',
        key: 'UZ',
        reason: '2 unverified sends in 1h exceed 1',
        unverifiedSends: 2,
        threshold: 1,
        closedAt: null,
      },
    ]);
    // Another account sees none of it, and cannot close it.
    const other = await h.gql<{ fraudBreakers: unknown[] }>(
      partnerCaller(newAccount()),
      `{ fraudBreakers { id } }`,
    );
    expect(other.data?.fraudBreakers).toEqual([]);
    const close = (caller: string) =>
      h.gql<{ closeFraudBreaker: { closedAt: string | null } }>(
        partnerCaller(caller),
        `mutation ($id: ID!) { closeFraudBreaker(id: $id) { closedAt } }`,
        { id: opened.subjectId },
      );
    expect((await close(newAccount())).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await close(accountId)).data?.closeFraudBreaker.closedAt).not.toBeNull();
    await eventually(
      () => h.published('fraud.breaker.closed').some((e) => e.subjectId === opened.subjectId),
      {
        what: 'fraud.breaker.closed',
      },
    );
    // What came before the operator's close is not held against the country again.
    const after = await assess(accountId, await number('UZ'));
    expect(after.reasons).not.toContain('BREAKER_OPEN');
    expect((await close(accountId)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('closes a breaker when its cooling ends, and trusts a number that verified before', async () => {
    const accountId = await established();
    const regular = await number('UZ');
    const first = await assess(accountId, regular);
    const before = await inboxCount();
    await sent(accountId, first, regular, 'UZ');
    await approved(accountId, first, regular, 'UZ');
    for (let i = 0; i < 9; i++) {
      const phone = await number('UZ');
      await sent(accountId, await assess(accountId, phone), phone, 'UZ');
    }
    await handled(before, 11);
    expect((await assess(accountId, await number('UZ'))).reasons).toContain('BREAKER_OPEN');
    // The number that verified before is trusted past the open breaker.
    expect(await assess(accountId, regular)).toMatchObject({
      decision: 'ALLOW',
      reasons: ['VERIFIED_BEFORE'],
    });
    const [breaker] = await h.sql<{ id: string; closes_at: Date }>(
      `SELECT id, closes_at FROM "${h.config.DB_SCHEMA}".breakers WHERE account_id = $1 AND scope = 'COUNTRY'`,
      [accountId],
    );
    clock.advanceTo(new Date((breaker?.closes_at as Date).getTime() + 1000));
    await eventually(() => h.published('fraud.breaker.closed').some((e) => e.subjectId === breaker?.id), {
      what: 'the sweeper to close the cooled breaker',
    });
    // A redaction of the inquiry erases the "verified before" entry.
    const erasedBefore = await inboxCount();
    await publishEvent(h.bus, 'inquiry.redacted', {
      accountId,
      subjectId: first.inquiryId,
      data: { redactedAt: new Date().toISOString() },
    });
    await handled(erasedBefore, 1);
    const [left] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${h.config.DB_SCHEMA}".verified_numbers WHERE account_id = $1 AND inquiry_id = $2`,
      [accountId, first.inquiryId],
    );
    expect(left?.n).toBe(0);
  });

  it('opens one breaker when replicas trip the same key together', async () => {
    if (!replicated) {
      await h.replica();
      replicated = true;
    }
    const accountId = await established();
    const before = await inboxCount();
    for (let i = 0; i < 3; i++) {
      const phone = await number('UZ');
      await sent(accountId, await assess(accountId, phone, { ip: null }), phone, 'UZ');
    }
    await handled(before, 3);
    const replies = await Promise.all(
      Array.from({ length: 8 }, async () => assess(accountId, await number('UZ'), { ip: null })),
    );
    expect(replies.every((r) => r.reasons.includes('BREAKER_OPEN'))).toBe(true);
    const rows = await h.sql<{ scope: string; n: number }>(
      `SELECT scope, count(*)::int AS n FROM "${h.config.DB_SCHEMA}".breakers WHERE account_id = $1 GROUP BY scope`,
      [accountId],
    );
    expect(rows.find((r) => r.scope === 'COUNTRY')?.n).toBe(1);
  });
});

describe('conversions of events that arrive together', () => {
  it('counts a verification once when its started and approved events are handled at the same time', async () => {
    // Two instances share the consumer: one verification's two events can be handled at once.
    if (!replicated) {
      await h.replica();
      replicated = true;
    }
    const accountId = newAccount();
    const before = await inboxCount();
    const verifications = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const phone = await number();
        return { phone, a: await assess(accountId, phone, { ip: null }) };
      }),
    );
    await Promise.all(
      verifications.flatMap(({ phone, a }) => [sent(accountId, a, phone), approved(accountId, a, phone)]),
    );
    await handled(before, 40);
    const [row] = await h.sql<{ sent: number; verified: number }>(
      `SELECT sum(sent)::int AS sent, sum(verified)::int AS verified FROM "${h.config.DB_SCHEMA}".conversions
        WHERE account_id = $1 AND scope = 'ACCOUNT'`,
      [accountId],
    );
    expect(row).toEqual({ sent: 20, verified: 20 });
  });
});

describe('the client address and passed challenges', () => {
  it('opens a breaker on an address whose sends never verify, and blocks it once passed challenges do not verify either', async () => {
    // A brand-new account: its country and account keep their higher floors, so only the address trips.
    const accountId = newAccount();
    const ip = '203.0.113.7';
    const before = await inboxCount();
    for (let i = 0; i < 5; i++) {
      const phone = await number();
      const a = await assess(accountId, phone, { ip });
      expect(a.decision).toBe('ALLOW');
      await sent(accountId, a, phone);
    }
    await handled(before, 5);
    // The same address written another way is the same key: 5 unverified sends exceed its floor of 4.
    const challenged = await assess(accountId, await number(), { ip: '::ffff:203.0.113.7' });
    expect(challenged.decision).toBe('CHALLENGE');
    expect(challenged.reasons).toContain('BREAKER_OPEN');
    const listed = await h.gql<{ fraudBreakers: Array<Record<string, unknown>> }>(
      partnerCaller(accountId),
      `{ fraudBreakers { scope key reason unverifiedSends threshold } }`,
    );
    expect(listed.data?.fraudBreakers).toEqual([
      { scope: 'IP', key: ip, reason: '5 unverified sends in 1h exceed 4', unverifiedSends: 5, threshold: 4 },
    ]);
    // The client solves three challenges: the messages go out, and are never verified.
    const afterSolved = await inboxCount();
    for (let i = 0; i < 3; i++) {
      const phone = await number();
      const asked = await assess(accountId, phone, { ip });
      expect(asked.decision).toBe('CHALLENGE');
      const solved = await assess(accountId, phone, { ...asked, ip, challengeSolved: true });
      expect(solved.decision).toBe('ALLOW');
      expect(solved.reasons).toContain('CHALLENGE_PASSED');
      await sent(accountId, solved, phone);
    }
    await handled(afterSolved, 3);
    // While they may still verify they count once: 8 unverified, below 3 × the threshold.
    expect((await assess(accountId, await number(), { ip })).decision).toBe('CHALLENGE');
    // Past their grace they count 3 times: 5 + 3 × 3 = 14 ≥ 12, a block no proof of work passes.
    clock.advanceBy(SOLVED_GRACE_MINUTES * 60_000);
    const blocked = await assess(accountId, await number(), { ip, challengeSolved: true });
    expect(blocked.decision).toBe('BLOCK');
    expect(blocked.reasons).toEqual(expect.arrayContaining(['BREAKER_ESCALATED', 'BREAKER_OPEN']));
    // Another address of the same account is not held to it.
    expect((await assess(accountId, await number(), { ip: '203.0.113.8' })).decision).toBe('ALLOW');
    const [counted] = await h.sql<{ sent: number; solved_sent: number }>(
      `SELECT sum(sent)::int AS sent, sum(solved_sent)::int AS solved_sent FROM "${h.config.DB_SCHEMA}".conversions
        WHERE account_id = $1 AND scope = 'IP'`,
      [accountId],
    );
    expect(counted).toEqual({ sent: 8, solved_sent: 3 });
  });

  it('stops counting a passed challenge against its keys once it verifies', async () => {
    const accountId = newAccount();
    const ip = '203.0.113.9';
    const phone = await number('US', 72);
    const a = await assess(accountId, phone, { ip, challengeSolved: true });
    expect(a.reasons).toContain('CHALLENGE_PASSED');
    const before = await inboxCount();
    await sent(accountId, a, phone);
    await approved(accountId, a, phone);
    await handled(before, 2);
    const rows = await h.sql<{
      scope: string;
      sent: number;
      verified: number;
      solved_sent: number;
      solved_verified: number;
    }>(
      `SELECT scope, sum(sent)::int AS sent, sum(verified)::int AS verified, sum(solved_sent)::int AS solved_sent,
              sum(solved_verified)::int AS solved_verified
         FROM "${h.config.DB_SCHEMA}".conversions WHERE account_id = $1 GROUP BY scope ORDER BY scope`,
      [accountId],
    );
    expect(rows.map((r) => r.scope)).toEqual(['ACCOUNT', 'COUNTRY', 'IP', 'PREFIX']);
    for (const row of rows) {
      expect(row).toMatchObject({ verified: row.sent, solved_sent: row.sent, solved_verified: row.sent });
    }
    // The address verified once: it is on the higher floors now.
    const [verifiedKey] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${h.config.DB_SCHEMA}".verified_keys WHERE account_id = $1 AND scope = 'IP'`,
      [accountId],
    );
    expect(verifiedKey?.n).toBe(1);
  });
});

describe('a served country whose passed challenges stop verifying', () => {
  it('blocks it while they keep arriving, and goes back to challenges once they stop', async () => {
    const accountId = await established();
    let address = 0;
    const nextIp = () => `198.18.${Math.floor(address / 250)}.${(address++ % 250) + 1}`;
    // 9 unverified sends from as many addresses: more than the country's floor of 8 an hour.
    const unverified = await inboxCount();
    for (let i = 0; i < 9; i++) {
      const phone = await number();
      const a = await assess(accountId, phone, { ip: nextIp() });
      expect(a.decision).toBe('ALLOW');
      await sent(accountId, a, phone);
    }
    await handled(unverified, 9);
    /** Sends that pass the country's challenge and are never verified: what a paying attacker does. */
    const paid = async (n: number) => {
      const before = await inboxCount();
      for (let i = 0; i < n; i++) {
        const phone = await number();
        const ip = nextIp();
        const asked = await assess(accountId, phone, { ip });
        expect(asked.decision).toBe('CHALLENGE');
        const solved = await assess(accountId, phone, { ...asked, ip, challengeSolved: true });
        expect(solved.decision).toBe('ALLOW');
        await sent(accountId, solved, phone);
      }
      await handled(before, n);
    };
    await paid(10);
    // Still in their grace: a challenge, as for every new number of the country.
    expect((await assess(accountId, await number(), { ip: nextIp() })).decision).toBe('CHALLENGE');
    // Past it, none verified, and more arriving: a block no proof of work passes.
    clock.advanceBy((SOLVED_GRACE_MINUTES + 5) * 60_000);
    await paid(5);
    const blocked = await assess(accountId, await number(), { ip: nextIp(), challengeSolved: true });
    expect(blocked.decision).toBe('BLOCK');
    expect(blocked.reasons).toEqual(expect.arrayContaining(['BREAKER_ESCALATED', 'BREAKER_OPEN']));
    const [stored] = await h.sql<{ saw: Record<string, unknown> }>(
      `SELECT r -> 'saw' AS saw FROM "${h.config.DB_SCHEMA}".assessments a,
              jsonb_array_elements(a.details -> 'rules') r
        WHERE a.id = $1 AND r ->> 'rule' = 'BREAKER_ESCALATED'`,
      [blocked.assessmentId],
    );
    expect(stored?.saw['paidChallengesUnverified']).toEqual(['COUNTRY:US']);
    // Once no more arrive, the country's next real users are challenged again, not turned away.
    clock.advanceBy((SOLVED_GRACE_MINUTES + 5) * 60_000);
    expect((await assess(accountId, await number(), { ip: nextIp() })).decision).toBe('CHALLENGE');
  });
});

describe('challenges and channels through the responder', () => {
  it('passes a solved challenge, keeps a block, and suggests a voice call for a landline', async () => {
    const accountId = newAccount();
    expect(await assess(accountId, await number('US', 72), { challengeSolved: true })).toMatchObject({
      decision: 'ALLOW',
      reasons: ['SMS_PUMPING_RISK_ELEVATED', 'CHALLENGE_PASSED'],
    });
    expect((await assess(accountId, await number('US', 95), { challengeSolved: true })).decision).toBe(
      'BLOCK',
    );
    const landline = await number('US', 5, 'landline');
    expect(await assess(accountId, landline)).toMatchObject({ decision: 'BLOCK', suggestedChannel: 'CALL' });
    expect((await assess(accountId, landline, { channel: 'CALL' })).decision).toBe('ALLOW');
  });
});

describe('statistics per bucket', () => {
  it('counts started, sent (resends too), verified, blocked, challenged and the cost avoided per country and hour', async () => {
    const accountId = newAccount();
    const before = await inboxCount();
    const phone = await number();
    const a = await assess(accountId, phone);
    await sent(accountId, a, phone);
    await publishEvent(h.bus, 'phone.verification.resent', {
      accountId,
      subjectId: a.verificationId,
      data: { inquiryId: a.inquiryId, countryCode: 'US', channel: 'SMS', sendCount: 2 },
    });
    await approved(accountId, a, phone);
    const challenged = await assess(accountId, await number('US', 70));
    expect(challenged.decision).toBe('CHALLENGE');
    const blocked = await assess(accountId, await number('US', 99));
    await publishEvent(h.bus, 'phone.verification.failed', {
      accountId,
      subjectId: blocked.verificationId,
      data: {
        inquiryId: blocked.inquiryId,
        countryCode: 'US',
        channel: 'SMS',
        status: 'BLOCKED',
        reason: 'SMS_PUMPING_RISK_HIGH',
      },
    });
    await handled(before, 4);
    const result = await h.gql<{ fraudStats: Array<Record<string, unknown>> }>(
      partnerCaller(accountId),
      `{ fraudStats(bucket: HOUR) { countryCode bucketStart started sent verified blocked challenged conversionRate costAvoidedUsd } }`,
    );
    expect(result.errors).toBeUndefined();
    const hourOf = (d: Date) => new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000).toISOString();
    const rows = (result.data?.fraudStats ?? []) as Array<Record<string, unknown>>;
    const sum = (field: string) => rows.reduce((n, r) => n + Number(r[field]), 0);
    const totals = {
      started: sum('started'),
      sent: sum('sent'),
      verified: sum('verified'),
      blocked: sum('blocked'),
      challenged: sum('challenged'),
      cost: sum('costAvoidedUsd'),
    };
    expect(totals).toEqual({ started: 2, sent: 2, verified: 1, blocked: 1, challenged: 1, cost: 2 * 0.0083 });
    expect(rows.every((r) => r['countryCode'] === 'US')).toBe(true);
    expect(rows.map((r) => r['bucketStart'])).toContain(hourOf(clock.now()));
  });

  it.each([
    ['a date-time the database cannot hold', '-271821-04-20T00:00:00.000Z'],
    ['a year before 2000', '1999-12-31T23:59:59.000Z'],
    ['text that is not a date', 'yesterday'],
    ['a number', 1732000000],
  ])('answers BAD_USER_INPUT for since = %s', async (_what, since) => {
    const result = await h.gql(
      partnerCaller(newAccount()),
      `query ($since: DateTime) { fraudStats(since: $since) { countryCode } }`,
      {
        since,
      },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('bad input and unknown accounts', () => {
  it('answers an account it never saw with the default policy and empty lists, breakers and statistics', async () => {
    const accountId = newAccount();
    const result = await h.gql<Record<string, unknown>>(
      partnerCaller(accountId),
      `{ fraudPolicy { mode challengeAt blockAt callLineTypes challengeAcceptsCall } fraudListEntries { id } fraudBreakers(open: null) { id } fraudStats { countryCode } }`,
    );
    expect(result).toEqual({
      data: {
        fraudPolicy: {
          mode: 'ENFORCE',
          challengeAt: 60,
          blockAt: 90,
          callLineTypes: ['landline'],
          challengeAcceptsCall: false,
        },
        fraudListEntries: [],
        fraudBreakers: [],
        fraudStats: [],
      },
    });
    expect((await assess(accountId, await number())).decision).toBe('ALLOW');
    const close = await h.gql(
      partnerCaller(accountId),
      `mutation { closeFraudBreaker(id: "${randomUUID()}") { id } }`,
    );
    expect(close.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it.each([
    ['an empty account id', { accountId: '' }, 'accountId'],
    ['an account id with spaces', { accountId: 'acc x' }, 'accountId'],
    ['an address that is not one', { ip: 'not-an-ip' }, 'ip'],
    ['an empty verification id', { verificationId: '' }, 'verificationId'],
  ] as Array<[string, Record<string, string>, string]>)(
    'refuses an ask with %s (%j, field %s)',
    async (_what, override) => {
      const body = {
        accountId: newAccount(),
        inquiryId: randomUUID(),
        verificationId: randomUUID(),
        phoneNumberSealed: h.pii.seal('+14155550100'),
        countryCode: 'US',
        channel: 'SMS' as const,
        ip: null,
        ...override,
      };
      await expect(request(h.bus, 'rpc.fraud.assess', body, { timeoutMs: 5000 })).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
      });
    },
  );

  it('refuses an ask that is not JSON of the contract', async () => {
    const reply = await h.bus.connection.request(
      `${run}.rpc.fraud.assess`,
      new TextEncoder().encode('{"accountId": 1'),
      {
        timeout: 5000,
      },
    );
    expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({
      ok: false,
      error: { code: 'BAD_USER_INPUT' },
    });
  });

  it.each([
    [{ challengeAt: 101 }, 'input.challengeAt'],
    [{ challengeAt: 95 }, 'input.challengeAt'],
    [{ blockAt: 10 }, 'input.blockAt'],
    [{ callLineTypes: ['fax'] }, 'input.callLineTypes[0]'],
    [{ challengeAcceptsCall: null }, 'input.challengeAcceptsCall'],
  ])('refuses the policy change %j naming %s', async (input, field) => {
    const result = await h.gql(
      partnerCaller(newAccount()),
      `mutation ($input: FraudPolicyInput!) { updateFraudPolicy(input: $input) { mode } }`,
      { input },
    );
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});

describe('the Lookup cache under concurrent asks', () => {
  it('asks Lookup once for one number asked about together, on one instance and across replicas', async () => {
    await h.replica();
    const phone = await number('US', 12);
    const before = h.lookups();
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => assess(newAccount(), phone, { ip: null })),
    );
    expect(replies.every((r) => r.decision === 'ALLOW' && r.score === 12)).toBe(true);
    expect(h.lookups()).toBe(before + 1);
  });
});

describe('faults', () => {
  let server: Server;
  let hanging: FraudHarness;
  let failing: FraudHarness;
  let noVelocity: FraudHarness;
  beforeAll(async () => {
    // A Twilio that answers 500 to some paths and never answers others.
    server = createServer((req, res) => {
      if (req.url?.includes('%2B1415555')) return; // hangs: the SDK's timeout ends it
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 20500, message: 'Internal Server Error', status: 500 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    hanging = await startFraudHarness(uniqueName('fraudhang'), {
      emulatorUrl: url,
      env: { TWILIO_TIMEOUT_MS: '300' },
    });
    failing = hanging;
    noVelocity = await startFraudHarness(uniqueName('fraudnovel'), {
      env: {
        FRAUD_VELOCITY_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
        FRAUD_VELOCITY_TIMEOUT_MS: '200',
      },
    });
  });
  afterAll(async () => {
    await hanging?.stop();
    await noVelocity?.stop();
    server.closeAllConnections();
    server.close();
  });

  const ask = (harness: FraudHarness, phoneNumber: string, accountId = newAccount()) =>
    request(
      harness.bus,
      'rpc.fraud.assess',
      {
        accountId,
        inquiryId: randomUUID(),
        verificationId: randomUUID(),
        phoneNumberSealed: harness.pii.seal(phoneNumber),
        countryCode: 'US',
        channel: 'SMS',
        ip: null,
      },
      { timeoutMs: 10_000 },
    );

  it('decides without Lookup when Twilio answers 500, and when it does not answer in time', async () => {
    expect(await ask(failing, '+447400123456')).toMatchObject({
      decision: 'ALLOW',
      reasons: ['LOOKUP_UNAVAILABLE'],
    });
    expect(await ask(hanging, '+14155550142')).toMatchObject({
      decision: 'ALLOW',
      reasons: ['LOOKUP_UNAVAILABLE'],
    });
  });

  it('falls back to counting on this instance when the velocity store is down, says so, and still limits', async () => {
    const accountId = newAccount();
    const first = await ask(noVelocity, '+14155550142', accountId);
    expect(first.reasons).toContain('VELOCITY_LOCAL');
    const [row] = await noVelocity.sql<{ velocity: string }>(
      `SELECT details->>'velocity' AS velocity FROM "${noVelocity.config.DB_SCHEMA}".assessments WHERE id = $1`,
      [first.assessmentId],
    );
    expect(row?.velocity).toBe('LOCAL');
    for (let i = 0; i < 4; i++) await ask(noVelocity, '+14155550142', accountId);
    expect((await ask(noVelocity, '+14155550142', accountId)).reasons).toEqual([
      'VELOCITY_NUMBER',
      'VELOCITY_LOCAL',
    ]);
  });
});
