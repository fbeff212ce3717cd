import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@attestor/platform/testing';
import { errorOf, PhoneHarness, VERIFICATION_FIELDS, type Verification } from './harness.js';

const h = new PhoneHarness();

beforeAll(() => h.start());
afterAll(() => h.stop());

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on PhoneVerification { ${VERIFICATION_FIELDS} } }
}`;
const INQUIRY_VERIFICATIONS = `query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Inquiry { id phoneVerifications { id status } } }
}`;

async function references(caller: Parameters<typeof h.gql>[0], ids: string[]) {
  const result = await h.gql<{ _entities: Array<Verification | null> }>(caller, ENTITIES, {
    representations: ids.map((id) => ({ __typename: 'PhoneVerification', id })),
  });
  expect(result.errors).toBeUndefined();
  return result.data!._entities;
}

async function inquiryVerifications(caller: Parameters<typeof h.gql>[0], inquiryIds: string[]) {
  const result = await h.gql<{ _entities: Array<{ id: string; phoneVerifications: Array<{ id: string }> }> }>(
    caller,
    INQUIRY_VERIFICATIONS,
    { representations: inquiryIds.map((id) => ({ __typename: 'Inquiry', id })) },
  );
  expect(result.errors).toBeUndefined();
  return result.data!._entities;
}

describe('tenant isolation', () => {
  it('answers another account’s verification exactly like an unknown one, on every mutation', async () => {
    const { verification, phoneNumber } = await h.started();
    const code = await h.code(phoneNumber);
    const stranger = h.partner(h.otherAccountId);
    const unknown = '0195f000-0000-7000-8000-000000000000';
    for (const id of [verification.id, unknown]) {
      expect(errorOf((await h.check(stranger, id, code)).result)).toMatchObject({ code: 'NOT_FOUND' });
      expect(errorOf((await h.resend(stranger, id)).result)).toMatchObject({ code: 'NOT_FOUND' });
      expect(errorOf((await h.cancel(stranger, id)).result)).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(errorOf((await h.check(stranger, verification.id, code)).result)).toEqual(
      errorOf((await h.check(stranger, unknown, code)).result),
    );
    // Nothing happened to it: no attempt counted, no extra send, still approvable by its owner.
    expect(await h.row(verification.id)).toMatchObject({
      status: 'PENDING',
      check_attempts: 0,
      send_attempts: 1,
    });
    expect(await h.outbox(phoneNumber)).toHaveLength(1);
    expect((await h.check(h.partner(), verification.id, code)).verification?.status).toBe('APPROVED');
  });

  it('resolves references of the caller’s account only (null otherwise), in one batch', async () => {
    const mine = await h.started();
    const theirs = await h.started(h.inquiry({ accountId: h.otherAccountId }));
    const entities = await references(h.partner(), [
      mine.verification.id,
      theirs.verification.id,
      'not-a-uuid',
    ]);
    expect(entities).toHaveLength(3);
    expect(entities[0]).toMatchObject({
      id: mine.verification.id,
      status: 'PENDING',
      inquiry: { id: mine.inquiry.id },
    });
    expect(entities[1]).toBeNull();
    expect(entities[2]).toBeNull();
    expect(await references(h.partner(h.otherAccountId), [mine.verification.id])).toEqual([null]);
    expect(await references({ kind: 'admin' }, [mine.verification.id])).toEqual([null]);
  });

  it('lists an inquiry’s verifications newest first, for its account only', async () => {
    const inquiry = h.inquiry();
    const older = await h.started(inquiry);
    const newer = await h.started(inquiry);
    const [own] = await inquiryVerifications(h.partner(), [inquiry.id]);
    expect(own?.phoneVerifications.map((v) => v.id)).toEqual([newer.verification.id, older.verification.id]);
    const [foreign] = await inquiryVerifications(h.partner(h.otherAccountId), [inquiry.id]);
    expect(foreign?.phoneVerifications).toEqual([]);
  });

  it('never returns the number in clear', async () => {
    const { verification, phoneNumber } = await h.started();
    const [entity] = await references(h.partner(), [verification.id]);
    expect(JSON.stringify(entity)).not.toContain(phoneNumber.slice(2));
    expect(entity?.phoneNumberMasked).toBe(`+1******${phoneNumber.slice(-4)}`);
  });
});

describe('session token scope', () => {
  it('may run its own inquiry’s verification and nothing else', async () => {
    const own = await h.started();
    const other = await h.started();
    const session = h.session(own.inquiry.id);

    for (const id of [other.verification.id]) {
      expect(errorOf((await h.check(session, id, await h.code(other.phoneNumber))).result).code).toBe(
        'NOT_FOUND',
      );
      expect(errorOf((await h.resend(session, id)).result).code).toBe('NOT_FOUND');
      expect(errorOf((await h.cancel(session, id)).result).code).toBe('NOT_FOUND');
    }
    expect(await references(session, [own.verification.id, other.verification.id])).toEqual([
      expect.objectContaining({ id: own.verification.id }),
      null,
    ]);
    const lists = await inquiryVerifications(session, [own.inquiry.id, other.inquiry.id]);
    expect(lists.map((l) => l.phoneVerifications.map((v) => v.id))).toEqual([[own.verification.id], []]);

    expect((await h.resend(session, own.verification.id)).verification?.sendAttempts).toBe(2);
    const approved = await h.check(session, own.verification.id, await h.code(own.phoneNumber));
    expect(approved.verification?.status).toBe('APPROVED');
    expect(await h.row(other.verification.id)).toMatchObject({ status: 'PENDING', check_attempts: 0 });
  });

  it('is refused by a session of the same inquiry id under another account', async () => {
    const own = await h.started();
    const { result } = await h.cancel(h.session(own.inquiry.id, h.otherAccountId), own.verification.id);
    expect(errorOf(result).code).toBe('NOT_FOUND');
  });
});

describe('inquiry.redacted', () => {
  it('erases the number of every verification of the inquiry', async () => {
    const inquiry = h.inquiry();
    const first = await h.started(inquiry);
    await h.check(h.partner(), first.verification.id, await h.code(first.phoneNumber));
    const second = await h.started(inquiry);
    const bystander = await h.started();

    await h.publishRedaction(inquiry);
    for (const { verification } of [first, second]) {
      const row = await eventually(async () => {
        const current = await h.row(verification.id);
        return current?.['redacted_at'] ? current : undefined;
      });
      expect(row).toMatchObject({ phone_sealed: null, phone_hash: null, phone_masked: '+***********' });
    }
    expect(await h.row(bystander.verification.id)).toMatchObject({ redacted_at: null });
    expect((await references(h.partner(), [second.verification.id]))[0]?.phoneNumberMasked).toBe(
      '+***********',
    );

    // A redacted verification can no longer send or approve, only be canceled.
    expect(errorOf((await h.resend(h.partner(), second.verification.id)).result).message).toMatch(/redacted/);
    expect(errorOf((await h.check(h.partner(), second.verification.id, '123456')).result).message).toMatch(
      /redacted/,
    );
    expect((await h.cancel(h.partner(), second.verification.id)).verification?.status).toBe('CANCELED');
  });

  it('leaves another account’s verifications of the same inquiry id untouched', async () => {
    const inquiry = h.inquiry({ accountId: h.otherAccountId });
    const theirs = await h.started(inquiry);
    await h.publishRedaction({ ...inquiry, accountId: h.accountId });
    // A later redaction of a verification of ours proves the event above was handled first (one consumer, in order).
    const marker = await h.started();
    await h.publishRedaction(marker.inquiry);
    await eventually(async () => (await h.row(marker.verification.id))?.['redacted_at'] ?? undefined);
    expect(await h.row(theirs.verification.id)).toMatchObject({ redacted_at: null });
    expect((await h.row(theirs.verification.id))?.['phone_sealed']).not.toBeNull();
  });
});
