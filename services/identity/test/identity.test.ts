import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerificationStep } from '@attestor/contracts';
import type { Caller } from '@attestor/platform';
import {
  eventually,
  partnerCaller,
  publishEvent,
  sessionCaller,
  uniqueName,
} from '@attestor/platform/testing';
import { startIdentityHarness, type IdentityHarness, type InquiryRecord } from './harness.js';

const run = uniqueName('identity');
let h: IdentityHarness;

beforeAll(async () => {
  h = await startIdentityHarness(run);
});
afterAll(async () => {
  await h?.stop();
});

const newAccount = () => randomUUID();
let nextNumber = 20;

/** A fresh US number whose carrier record holds `callerName`. */
async function numberOf(callerName: string): Promise<string> {
  const phoneNumber = `+1415555${String(200 + nextNumber++).padStart(4, '0')}`;
  await h.seed({ phoneNumber, callerName, callerType: 'CONSUMER' });
  return phoneNumber;
}

function inquiry(
  name: InquiryRecord['name'],
  steps: VerificationStep[] = ['PHONE_OTP', 'DATABASE_NAME_MATCH'],
  accountId = newAccount(),
): InquiryRecord {
  const record = { id: randomUUID(), accountId, steps, name };
  h.inquiries.set(record.id, record);
  return record;
}

async function approve(record: InquiryRecord, phoneNumber: string, verificationId = randomUUID()) {
  return publishEvent(h.bus, 'phone.verification.approved', {
    accountId: record.accountId,
    subjectId: verificationId,
    data: {
      inquiryId: record.id,
      countryCode: 'US',
      channel: 'SMS',
      phoneNumberSealed: h.pii.seal(phoneNumber),
    },
  });
}

const completedFor = (inquiryId: string) =>
  h.published('identity.database-verification.completed').filter((e) => e.data['inquiryId'] === inquiryId);

async function handled(eventId: string) {
  await eventually(
    async () =>
      (await h.sql(`SELECT 1 FROM "${h.config.DB_SCHEMA}".inbox WHERE event_id = $1`, [eventId])).length > 0,
    { what: `event ${eventId} handled` },
  );
}

const verificationOfInquiry = `query ($id: ID!) {
  _entities(representations: [{ __typename: "Inquiry", id: $id }]) {
    ... on Inquiry {
      databaseVerification {
        id status source completedAt
        nameMatch { result score reasons first { result score reasons } last { result score reasons } }
      }
    }
  }
}`;

async function databaseVerificationOf(caller: Caller, inquiryId: string) {
  const result = await h.gql<{ _entities: Array<{ databaseVerification: Record<string, unknown> | null }> }>(
    caller,
    verificationOfInquiry,
    { id: inquiryId },
  );
  expect(result.errors).toBeUndefined();
  return result.data?._entities[0]?.databaseVerification ?? null;
}

describe('phone.verification.approved → database name match', () => {
  it('completes with an exact match when the carrier holds the ID name, and publishes it', async () => {
    const record = inquiry({ first: 'Ada', middle: 'King', last: 'Lovelace' });
    await approve(record, await numberOf('ADA KING LOVELACE'));
    const [event] = await eventually(() => completedFor(record.id).length > 0 && completedFor(record.id), {
      what: 'identity.database-verification.completed',
    });
    expect(event).toMatchObject({
      accountId: record.accountId,
      data: { inquiryId: record.id, status: 'COMPLETED', nameMatch: 'EXACT_MATCH' },
    });
    const verification = await databaseVerificationOf(partnerCaller(record.accountId), record.id);
    expect(verification).toMatchObject({
      id: event?.subjectId,
      status: 'COMPLETED',
      source: 'PHONE_CARRIER',
      nameMatch: {
        result: 'EXACT_MATCH',
        score: 1,
        reasons: [],
        first: { result: 'EXACT_MATCH', score: 1, reasons: [] },
        last: { result: 'EXACT_MATCH', score: 1, reasons: [] },
      },
    });
    expect(typeof verification?.['completedAt']).toBe('string');
  });

  it('stores how the names compared and what Twilio said, never the names', async () => {
    const record = inquiry({ first: 'Katherine', last: 'Johnson' });
    record.identityMatch = true;
    await approve(record, await numberOf('Kate Johnson'));
    await eventually(() => completedFor(record.id).length > 0, { what: 'the check' });
    const [row] = await h.sql<{
      name_match: Record<string, unknown>;
      result: string;
      phone_verification_id: string;
    }>(
      `SELECT name_match, result, phone_verification_id FROM "${h.config.DB_SCHEMA}".database_verifications WHERE inquiry_id = $1`,
      [record.id],
    );
    expect(row?.result).toBe('HIGH_PARTIAL_MATCH');
    expect(row?.name_match).toMatchObject({ result: 'HIGH_PARTIAL_MATCH', reasons: ['NICKNAME'] });
    expect(row?.name_match['identityMatch']).toEqual({
      firstNameMatch: 'no_match',
      lastNameMatch: 'exact_match',
      summaryScore: 50,
    });
    expect(JSON.stringify(row).toLowerCase()).not.toMatch(/kate|katherine|johnson/);
  });

  it('completes with NO_MATCH when the carrier holds someone else', async () => {
    const record = inquiry({ first: 'Ada', last: 'Lovelace' });
    await approve(record, await numberOf('Grace Hopper'));
    const [event] = await eventually(() => completedFor(record.id).length > 0 && completedFor(record.id), {
      what: 'the check',
    });
    expect(event?.data).toEqual({
      inquiryId: record.id,
      status: 'COMPLETED',
      nameMatch: 'NO_MATCH',
      score: expect.any(Number),
      reasons: expect.any(Array),
    });
    expect(await databaseVerificationOf(partnerCaller(record.accountId), record.id)).toMatchObject({
      status: 'COMPLETED',
      nameMatch: { result: 'NO_MATCH' },
    });
  });

  // Issue 10: a carrier with no name on record is NO_DATA_AVAILABLE (the template's whenNoNameData
  // decides), not a failed check as the first version had it.
  it('completes with NO_DATA_AVAILABLE when the carrier has no caller name on record', async () => {
    const record = inquiry({ first: 'Ada', last: 'Lovelace' });
    // Area code 200 is not assigned: Lookup answers the number as invalid, with no caller name.
    await approve(record, '+12005550123');
    const [event] = await eventually(() => completedFor(record.id).length > 0 && completedFor(record.id), {
      what: 'the check',
    });
    expect(event?.data).toEqual({
      inquiryId: record.id,
      status: 'COMPLETED',
      nameMatch: 'NO_DATA_AVAILABLE',
      score: null,
      reasons: ['NO_CALLER_NAME'],
    });
    expect(await databaseVerificationOf(partnerCaller(record.accountId), record.id)).toMatchObject({
      status: 'COMPLETED',
      source: 'PHONE_CARRIER',
      nameMatch: { result: 'NO_DATA_AVAILABLE', reasons: ['NO_CALLER_NAME'] },
    });
  });

  it('completes with NO_DATA_AVAILABLE for a business line (its caller name is not a person)', async () => {
    const record = inquiry({ first: 'Ada', last: 'Lovelace' });
    const phoneNumber = `+1415555${String(200 + nextNumber++).padStart(4, '0')}`;
    await h.seed({ phoneNumber, callerName: 'ACME WIDGETS INC', callerType: 'BUSINESS' });
    await approve(record, phoneNumber);
    const [event] = await eventually(() => completedFor(record.id).length > 0 && completedFor(record.id), {
      what: 'the check',
    });
    expect(event?.data).toMatchObject({
      status: 'COMPLETED',
      nameMatch: 'NO_DATA_AVAILABLE',
      reasons: ['BUSINESS_LINE'],
    });
  });

  it('asks identity_match only where the template enables it, and lets it lower a match it contradicts', async () => {
    const plain = inquiry({ first: 'Ada', last: 'Lovelace' });
    await approve(plain, await numberOf('Ada Lovelace'));
    const [first] = await eventually(() => completedFor(plain.id).length > 0 && completedFor(plain.id), {
      what: 'the check without identity_match',
    });
    expect(first?.data).toMatchObject({ nameMatch: 'EXACT_MATCH' });
    const [row] = await h.sql<{ name_match: Record<string, unknown> }>(
      `SELECT name_match FROM "${h.config.DB_SCHEMA}".database_verifications WHERE inquiry_id = $1`,
      [plain.id],
    );
    expect(row?.name_match['identityMatch']).toBeNull();

    // The caller name matches, but the carrier's identity data holds another surname for the owner.
    const checked = inquiry({ first: 'Ada', last: 'Lovelace' });
    checked.identityMatch = true;
    const phoneNumber = `+1415555${String(200 + nextNumber++).padStart(4, '0')}`;
    await h.seed({
      phoneNumber,
      callerName: 'Ada Lovelace',
      callerType: 'CONSUMER',
      firstName: 'Ada',
      lastName: 'Byron',
    });
    await approve(checked, phoneNumber);
    const [second] = await eventually(() => completedFor(checked.id).length > 0 && completedFor(checked.id), {
      what: 'the check with identity_match',
    });
    expect(second?.data).toMatchObject({
      nameMatch: 'PARTIAL_MATCH',
      reasons: expect.arrayContaining(['IDENTITY_MATCH_DISAGREES']),
    });
  });

  it('does nothing for an inquiry whose template has no DATABASE_NAME_MATCH step', async () => {
    const record = inquiry({ first: 'Ada', last: 'Lovelace' }, ['PHONE_OTP']);
    const lookupsBefore = h.lookups();
    const event = await approve(record, await numberOf('Ada Lovelace'));
    await handled(event.id);
    expect(await databaseVerificationOf(partnerCaller(record.accountId), record.id)).toBeNull();
    expect(completedFor(record.id)).toEqual([]);
    expect(h.lookups()).toBe(lookupsBefore);
  });

  it('does nothing for an inquiry the inquiry service does not know', async () => {
    const unknown: InquiryRecord = {
      id: randomUUID(),
      accountId: newAccount(),
      steps: ['DATABASE_NAME_MATCH'],
      name: null,
    };
    const lookupsBefore = h.lookups();
    await handled((await approve(unknown, '+14155550100')).id);
    expect(completedFor(unknown.id)).toEqual([]);
    expect(h.lookups()).toBe(lookupsBefore);
  });

  it('fails without a Lookup for an inquiry that asks for a name match but holds no name', async () => {
    const nameless = inquiry(null);
    const lookupsBefore = h.lookups();
    await approve(nameless, '+14155550100');
    const [event] = await eventually(
      () => completedFor(nameless.id).length > 0 && completedFor(nameless.id),
      {
        what: 'the failed check',
      },
    );
    expect(event?.data).toEqual({
      inquiryId: nameless.id,
      status: 'FAILED',
      nameMatch: null,
      score: null,
      reasons: ['NO_NAME_ON_INQUIRY'],
    });
    expect(h.lookups()).toBe(lookupsBefore);
  });

  it('runs once per inquiry: a redelivered event and a second approval change nothing', async () => {
    const record = inquiry({ first: 'Grace', last: 'Hopper' });
    const number = await numberOf('Grace Hopper');
    const lookupsBefore = h.lookups();
    const first = await approve(record, number);
    await eventually(() => completedFor(record.id).length > 0, { what: 'the check' });
    // The same event again under another message id (JetStream would drop an identical one).
    await publishEvent(h.bus, 'phone.verification.approved', first as never, {
      event: first,
      messageId: randomUUID(),
    });
    const second = await approve(record, number);
    await handled(second.id);
    const [redelivered] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${h.config.DB_SCHEMA}".inbox WHERE event_id = $1`,
      [first.id],
    );
    expect(redelivered?.n).toBe(1);
    const rows = await h.sql(
      `SELECT id FROM "${h.config.DB_SCHEMA}".database_verifications WHERE inquiry_id = $1`,
      [record.id],
    );
    expect(rows).toHaveLength(1);
    expect(completedFor(record.id)).toHaveLength(1);
    expect(h.lookups()).toBe(lookupsBefore + 1);
  });
});

describe('compareNames', () => {
  const query = `query ($a: NameInput!, $b: NameInput!) {
    compareNames(a: $a, b: $b) { result score reasons first { result score reasons } last { result score reasons } }
  }`;

  // Issue 7: a session token runs its own inquiry's steps and nothing else, so it may no longer
  // call compareNames (the first version let it).
  it('compares for a partner, and refuses a session token FORBIDDEN', async () => {
    const refused = await h.gql(sessionCaller(newAccount(), randomUUID()), query, {
      a: { full: 'Robert Smith' },
      b: { first: 'Bob', last: 'Smith' },
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const caller of [partnerCaller(newAccount())]) {
      const result = await h.gql(caller, query, {
        a: { full: 'Robert Smith' },
        b: { first: 'Bob', last: 'Smith' },
      });
      expect(result).toEqual({
        data: {
          compareNames: {
            result: 'HIGH_PARTIAL_MATCH',
            score: 0.96,
            reasons: ['NICKNAME'],
            first: { result: 'HIGH_PARTIAL_MATCH', score: 0.9, reasons: ['NICKNAME'] },
            last: { result: 'EXACT_MATCH', score: 1, reasons: [] },
          },
        },
      });
    }
  });

  it.each([
    ['an anonymous caller', { kind: 'anonymous' } as Caller, 'UNAUTHENTICATED'],
    ['the admin token', { kind: 'admin' } as Caller, 'FORBIDDEN'],
  ])('refuses %s', async (_who, caller, code) => {
    const result = await h.gql(caller, query, { a: { full: 'A B' }, b: { full: 'A B' } });
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe(code);
  });

  it.each([
    [{}, { full: 'Ada Lovelace' }, 'a'],
    [{ full: 'Ada Lovelace' }, { middle: 'King' }, 'b'],
    [{ full: '   ' }, { full: 'Ada Lovelace' }, 'a'],
    [{ full: 'x'.repeat(201) }, { full: 'Ada Lovelace' }, 'a.full'],
    [{ full: 'Ada Lovelace' }, { first: 'Ada', last: 'L'.repeat(201) }, 'b.last'],
    [{ first: 'Ada', middle: 'M'.repeat(201), last: 'Lovelace' }, { full: 'Ada Lovelace' }, 'a.middle'],
  ])('refuses a=%j b=%j with BAD_USER_INPUT on %s', async (a, b, field) => {
    const result = await h.gql(partnerCaller(newAccount()), query, { a, b });
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
  });

  it('accepts exactly 200 characters', async () => {
    const result = await h.gql<{ compareNames: { result: string } }>(partnerCaller(newAccount()), query, {
      a: { full: `Ada ${'l'.repeat(196)}` },
      b: { full: `Ada ${'l'.repeat(196)}` },
    });
    expect(result.data?.compareNames.result).toBe('EXACT_MATCH');
  });
});

describe('tenant isolation', () => {
  let record: InquiryRecord;
  let verificationId: string;

  beforeAll(async () => {
    record = inquiry({ first: 'Alan', last: 'Turing' });
    await approve(record, await numberOf('Alan Turing'));
    const [event] = await eventually(() => completedFor(record.id).length > 0 && completedFor(record.id), {
      what: 'the check',
    });
    verificationId = event?.subjectId ?? '';
  });

  const byId = (caller: Caller, id: string) =>
    h.gql<{ _entities: Array<{ id: string; status: string } | null> }>(
      caller,
      `query ($id: ID!) { _entities(representations: [{ __typename: "DatabaseVerification", id: $id }]) { ... on DatabaseVerification { id status } } }`,
      { id },
    );

  it('answers another account exactly as for an unknown inquiry', async () => {
    expect(await databaseVerificationOf(partnerCaller(newAccount()), record.id)).toBeNull();
    expect(await databaseVerificationOf(partnerCaller(record.accountId), randomUUID())).toBeNull();
  });

  it('resolves a DatabaseVerification reference for its account only', async () => {
    expect((await byId(partnerCaller(record.accountId), verificationId)).data?._entities).toEqual([
      { id: verificationId, status: 'COMPLETED' },
    ]);
    const foreign = await byId(partnerCaller(newAccount()), verificationId);
    expect(foreign).toEqual(await byId(partnerCaller(newAccount()), randomUUID()));
    expect(foreign).toEqual({ data: { _entities: [null] } });
    expect(await byId(partnerCaller(record.accountId), 'not-a-uuid')).toEqual({
      data: { _entities: [null] },
    });
  });

  it('shows a session its own inquiry only', async () => {
    expect(await databaseVerificationOf(sessionCaller(record.accountId, record.id), record.id)).toMatchObject(
      {
        status: 'COMPLETED',
      },
    );
    expect(await databaseVerificationOf(sessionCaller(record.accountId, randomUUID()), record.id)).toBeNull();
    expect(
      (await byId(sessionCaller(record.accountId, randomUUID()), verificationId)).data?._entities,
    ).toEqual([null]);
  });

  it('refuses the admin token and anonymous callers', async () => {
    const admin = await h.gql({ kind: 'admin' }, verificationOfInquiry, { id: record.id });
    expect(admin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await byId({ kind: 'anonymous' }, verificationId);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('inquiry.redacted', () => {
  it('keeps only the result and score of the comparison', async () => {
    const record = inquiry({ first: 'Bill', last: 'Gates' });
    await approve(record, await numberOf('William Gates'));
    await eventually(() => completedFor(record.id).length > 0, { what: 'the check' });
    const redactedAt = new Date().toISOString();
    // Another account's inquiry of the same id is not this one.
    const foreign = await publishEvent(h.bus, 'inquiry.redacted', {
      accountId: newAccount(),
      subjectId: record.id,
      data: { redactedAt },
    });
    await handled(foreign.id);
    expect(await databaseVerificationOf(partnerCaller(record.accountId), record.id)).toMatchObject({
      nameMatch: { reasons: ['NICKNAME'] },
    });
    await publishEvent(h.bus, 'inquiry.redacted', {
      accountId: record.accountId,
      subjectId: record.id,
      data: { redactedAt },
    });
    const [row] = await eventually(
      async () => {
        const rows = await h.sql<{ name_match: unknown; redacted_at: Date | null; result: string }>(
          `SELECT name_match, redacted_at, result FROM "${h.config.DB_SCHEMA}".database_verifications WHERE inquiry_id = $1`,
          [record.id],
        );
        return rows[0]?.redacted_at ? rows : undefined;
      },
      { what: 'the redaction' },
    );
    expect(row?.name_match).toEqual({ result: 'HIGH_PARTIAL_MATCH', score: 0.96 });
    expect(row?.redacted_at?.toISOString()).toBe(redactedAt);
    expect(await databaseVerificationOf(partnerCaller(record.accountId), record.id)).toMatchObject({
      status: 'COMPLETED',
      nameMatch: { result: 'HIGH_PARTIAL_MATCH', score: 0.96, reasons: [], first: null, last: null },
    });
  });

  it('leaves nothing to find after redaction for a later approval', async () => {
    const record = inquiry({ first: 'Ada', last: 'Lovelace' });
    record.redacted = true;
    const event = await approve(record, await numberOf('Ada Lovelace'));
    await handled(event.id);
    expect(completedFor(record.id)).toEqual([]);
  });
});
