import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NameMatchResult } from '@attestor/contracts';
import { eventually } from '@attestor/platform/testing';
import { codes, startHarness, type Harness, type TestAccount } from './harness.js';

let h: Harness;
let acme: TestAccount;
let phoneAndName: string;
let phoneOnly: string;

beforeAll(async () => {
  h = await startHarness();
  acme = await h.createAccount('Acme');
  phoneAndName = await h.createTemplate(acme.partner, {
    steps: ['PHONE_OTP', 'DATABASE_NAME_MATCH'],
    autoApproveAt: 'HIGH_PARTIAL_MATCH',
  });
  phoneOnly = await h.createTemplate(acme.partner, { steps: ['PHONE_OTP'] });
});
afterAll(async () => {
  await h?.stop();
});

const phoneData = (inquiryId: string) => ({ inquiryId, countryCode: 'US', channel: 'SMS' as const });

interface InquiryView {
  status: string;
  startedAt: string | null;
  completedAt: string | null;
  decidedAt: string | null;
  events: Array<{
    type: string;
    fromStatus: string | null;
    toStatus: string | null;
    reason: string | null;
    comment: string | null;
  }>;
}

async function view(id: string): Promise<InquiryView> {
  const data = await h.ok<{ inquiry: InquiryView }>(
    acme.partner,
    `query ($id: ID!) { inquiry(id: $id) { status startedAt completedAt decidedAt events { type fromStatus toStatus reason comment } } }`,
    { id },
  );
  return data.inquiry;
}

async function statusBecomes(id: string, status: string): Promise<InquiryView> {
  return eventually(
    async () => {
      const current = await view(id);
      return current.status === status ? current : undefined;
    },
    { what: `inquiry ${id} to become ${status}` },
  );
}

async function started(templateId: string): Promise<string> {
  const { id } = await h.createInquiry(acme.partner, {
    templateId,
    fields: { nameFirst: 'Jane', nameLast: 'Doe' },
  });
  await h.publish('phone.verification.started', {
    accountId: acme.accountId,
    subjectId: 'pv-1',
    data: phoneData(id),
  });
  await statusBecomes(id, 'PENDING');
  return id;
}

async function verified(
  templateId: string,
  nameMatch: NameMatchResult | null,
  identityStatus: 'COMPLETED' | 'FAILED' = 'COMPLETED',
) {
  const id = await started(templateId);
  await h.publish('phone.verification.approved', {
    accountId: acme.accountId,
    subjectId: 'pv-1',
    data: { ...phoneData(id), phoneNumberSealed: h.service.deps.pii.seal('+14155550123') },
  });
  await eventually(
    async () => {
      const [row] = await h.sql<{ done: boolean }>(
        `SELECT steps_done ? 'PHONE_OTP' AS done FROM $schema.inquiries WHERE id = $1`,
        [id],
      );
      return row?.done;
    },
    { what: 'the phone step recorded' },
  );
  await h.publish('identity.database-verification.completed', {
    accountId: acme.accountId,
    subjectId: 'dv-1',
    data: { inquiryId: id, status: identityStatus, nameMatch },
  });
  return id;
}

describe('events from the phone, identity and fraud services drive the lifecycle', () => {
  it('CREATED → PENDING → COMPLETED → APPROVED on a strong name match, with an event per transition', async () => {
    const id = await verified(phoneAndName, 'EXACT_MATCH');
    const done = await statusBecomes(id, 'APPROVED');
    expect(done.events.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ['inquiry.created', null, 'CREATED'],
      ['inquiry.started', 'CREATED', 'PENDING'],
      ['inquiry.completed', 'PENDING', 'COMPLETED'],
      ['inquiry.approved', 'COMPLETED', 'APPROVED'],
    ]);
    expect(done.startedAt && done.completedAt && done.decidedAt).toBeTruthy();
    expect(done.events[3]?.reason).toContain('EXACT_MATCH');
    const published = await eventually(
      () => {
        const events = h.eventsOf(id).filter((e) => e.type !== 'inquiry.created');
        return events.length === 3 ? events : undefined;
      },
      { what: 'three published transitions' },
    );
    expect(published.map((e) => e.type)).toEqual([
      'inquiry.started',
      'inquiry.completed',
      'inquiry.approved',
    ]);
    expect(published[2]?.data).toMatchObject({
      fromStatus: 'COMPLETED',
      toStatus: 'APPROVED',
      comment: null,
    });
  });

  it('stays PENDING until the name match arrives', async () => {
    const id = await started(phoneAndName);
    await h.publish('phone.verification.approved', {
      accountId: acme.accountId,
      subjectId: 'pv-1',
      data: { ...phoneData(id), phoneNumberSealed: h.service.deps.pii.seal('+14155550123') },
    });
    await eventually(async () => {
      const [row] = await h.sql<{ done: boolean }>(
        `SELECT steps_done ? 'PHONE_OTP' AS done FROM $schema.inquiries WHERE id = $1`,
        [id],
      );
      return row?.done;
    });
    expect((await view(id)).status).toBe('PENDING');
  });

  it('goes to NEEDS_REVIEW on a weaker match', async () => {
    const id = await verified(phoneAndName, 'PARTIAL_MATCH');
    const done = await statusBecomes(id, 'NEEDS_REVIEW');
    expect(done.decidedAt).toBeNull();
    expect(done.events.map((e) => e.type).slice(-2)).toEqual([
      'inquiry.completed',
      'inquiry.marked-for-review',
    ]);
  });

  it('goes to NEEDS_REVIEW when no database record exists for the number', async () => {
    const id = await verified(phoneAndName, null, 'FAILED');
    const done = await statusBecomes(id, 'NEEDS_REVIEW');
    expect(done.events.at(-1)?.reason).toContain('no database record');
  });

  it('decides NO_DATA_AVAILABLE by the template: review by default, or what whenNoNameData says', async () => {
    const byDefault = await verified(phoneAndName, 'NO_DATA_AVAILABLE');
    const reviewed = await statusBecomes(byDefault, 'NEEDS_REVIEW');
    expect(reviewed.events.at(-1)?.reason).toContain('whenNoNameData REVIEW');
    for (const [whenNoNameData, status] of [
      ['APPROVE', 'APPROVED'],
      ['DECLINE', 'DECLINED'],
    ] as const) {
      const template = await h.createTemplate(acme.partner, {
        steps: ['PHONE_OTP', 'DATABASE_NAME_MATCH'],
        whenNoNameData,
      });
      const id = await verified(template, 'NO_DATA_AVAILABLE');
      expect((await statusBecomes(id, status)).events.at(-1)?.reason).toContain(
        `whenNoNameData ${whenNoNameData}`,
      );
    }
  });

  it('declines on NO_MATCH', async () => {
    const id = await verified(phoneAndName, 'NO_MATCH');
    const done = await statusBecomes(id, 'DECLINED');
    expect(done.events.map((e) => e.type).slice(-2)).toEqual(['inquiry.completed', 'inquiry.declined']);
  });

  it('approves a phone-only template as soon as the code is verified', async () => {
    const id = await started(phoneOnly);
    await h.publish('phone.verification.approved', {
      accountId: acme.accountId,
      subjectId: 'pv-1',
      data: { ...phoneData(id), phoneNumberSealed: h.service.deps.pii.seal('+14155550123') },
    });
    const done = await statusBecomes(id, 'APPROVED');
    expect(done.events.at(-1)?.reason).toContain('no name match');
  });

  it('completes on the start when the step results came first (a retried started event)', async () => {
    const { id } = await h.createInquiry(acme.partner, { templateId: phoneOnly });
    await h.publish('phone.verification.approved', {
      accountId: acme.accountId,
      subjectId: 'pv-1',
      data: { ...phoneData(id), phoneNumberSealed: h.service.deps.pii.seal('+14155550123') },
    });
    await h.publish('phone.verification.started', {
      accountId: acme.accountId,
      subjectId: 'pv-1',
      data: phoneData(id),
    });
    const done = await statusBecomes(id, 'APPROVED');
    expect(done.events.map((e) => e.type)).toEqual([
      'inquiry.created',
      'inquiry.started',
      'inquiry.completed',
      'inquiry.approved',
    ]);
  });

  it.each(['BLOCKED', 'MAX_ATTEMPTS_REACHED', 'FAILED'] as const)(
    'fails on phone.verification.failed %s',
    async (status) => {
      const id = await started(phoneAndName);
      await h.publish('phone.verification.failed', {
        accountId: acme.accountId,
        subjectId: 'pv-1',
        data: { ...phoneData(id), status, reason: 'test' },
      });
      const done = await statusBecomes(id, 'FAILED');
      expect(done.events.at(-1)).toMatchObject({
        type: 'inquiry.failed',
        fromStatus: 'PENDING',
        toStatus: 'FAILED',
      });
      expect(done.events.at(-1)?.reason).toContain(status);
    },
  );

  it('fails on phone.verification.expired', async () => {
    const id = await started(phoneAndName);
    await h.publish('phone.verification.expired', {
      accountId: acme.accountId,
      subjectId: 'pv-1',
      data: phoneData(id),
    });
    await statusBecomes(id, 'FAILED');
  });

  it('fails from CREATED on fraud.assessment.blocked, and ignores a late phone event after that', async () => {
    const { id } = await h.createInquiry(acme.partner, { templateId: phoneAndName });
    await h.publish('fraud.assessment.blocked', {
      accountId: acme.accountId,
      subjectId: 'ra-1',
      data: { inquiryId: id, countryCode: 'US', reasons: ['SMS_PUMPING_RISK'] },
    });
    const failed = await statusBecomes(id, 'FAILED');
    expect(failed.events.at(-1)).toMatchObject({ fromStatus: 'CREATED', toStatus: 'FAILED' });
    expect(failed.events.at(-1)?.reason).toContain('SMS_PUMPING_RISK');
    // A started event arriving after the block is illegal (FAILED → PENDING): logged, ignored, not retried.
    const late = await h.publish('phone.verification.started', {
      accountId: acme.accountId,
      subjectId: 'pv-1',
      data: phoneData(id),
    });
    await eventually(
      async () => {
        const [row] = await h.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM $schema.inbox WHERE event_id = $1`,
          [late.id],
        );
        return row?.n === 1;
      },
      { what: 'the late event handled' },
    );
    expect((await view(id)).events).toHaveLength(2);
    const [parked] = await h.sql<{ n: number }>(`SELECT count(*)::int AS n FROM $schema.parked_events`);
    expect(parked?.n).toBe(0);
  });

  it('changes nothing on phone.verification.canceled', async () => {
    const { id } = await h.createInquiry(acme.partner, { templateId: phoneAndName });
    await h.publish('phone.verification.canceled', {
      accountId: acme.accountId,
      subjectId: 'pv-1',
      data: phoneData(id),
    });
    // Same consumer, so the canceled event was handled before this one.
    await h.publish('phone.verification.started', {
      accountId: acme.accountId,
      subjectId: 'pv-2',
      data: phoneData(id),
    });
    const pending = await statusBecomes(id, 'PENDING');
    expect(pending.events.map((e) => e.type)).toEqual(['inquiry.created', 'inquiry.started']);
  });

  it("ignores events naming another account's inquiry", async () => {
    const other = await h.createAccount('Other');
    const { id } = await h.createInquiry(acme.partner, { templateId: phoneAndName });
    const forged = await h.publish('fraud.assessment.blocked', {
      accountId: other.accountId,
      subjectId: 'ra-2',
      data: { inquiryId: id, countryCode: null, reasons: ['X'] },
    });
    await eventually(async () => {
      const [row] = await h.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM $schema.inbox WHERE event_id = $1`,
        [forged.id],
      );
      return row?.n === 1;
    });
    expect((await view(id)).status).toBe('CREATED');
  });
});

describe('operator decisions', () => {
  const APPROVE = `mutation ($id: ID!, $comment: String) { approveInquiry(id: $id, comment: $comment) { id status decidedAt events { type comment } } }`;
  const DECLINE = `mutation ($id: ID!, $comment: String) { declineInquiry(id: $id, comment: $comment) { id status decidedAt } }`;

  it('approves an inquiry in review, with the comment on its event', async () => {
    const id = await verified(phoneAndName, 'PARTIAL_MATCH');
    await statusBecomes(id, 'NEEDS_REVIEW');
    const data = await h.ok<{
      approveInquiry: {
        status: string;
        decidedAt: string;
        events: Array<{ type: string; comment: string | null }>;
      };
    }>(acme.partner, APPROVE, { id, comment: 'Checked the passport by hand' });
    expect(data.approveInquiry.status).toBe('APPROVED');
    expect(data.approveInquiry.decidedAt).toBeTruthy();
    expect(data.approveInquiry.events.at(-1)).toEqual({
      type: 'inquiry.approved',
      comment: 'Checked the passport by hand',
    });
    const event = await eventually(() => h.eventsOf(id, 'inquiry.approved')[0]);
    expect(event.data).toMatchObject({
      fromStatus: 'NEEDS_REVIEW',
      toStatus: 'APPROVED',
      comment: 'Checked the passport by hand',
    });
  });

  it('declines a failed inquiry', async () => {
    const { id } = await h.createInquiry(acme.partner, { templateId: phoneAndName });
    await h.publish('fraud.assessment.blocked', {
      accountId: acme.accountId,
      subjectId: 'ra',
      data: { inquiryId: id, countryCode: null, reasons: ['R'] },
    });
    await statusBecomes(id, 'FAILED');
    const data = await h.ok<{ declineInquiry: { status: string } }>(acme.partner, DECLINE, { id });
    expect(data.declineInquiry.status).toBe('DECLINED');
  });

  it('refuses a decision the lifecycle does not allow, naming both statuses', async () => {
    const { id } = await h.createInquiry(acme.partner, { templateId: phoneAndName });
    const early = await h.gql(acme.partner, APPROVE, { id });
    expect(codes(early)).toEqual(['BAD_USER_INPUT']);
    expect(early.errors?.[0]?.message).toMatch(/CREATED.*APPROVED/);
    const decided = await verified(phoneAndName, 'NO_MATCH');
    await statusBecomes(decided, 'DECLINED');
    const twice = await h.gql(acme.partner, APPROVE, { id: decided });
    expect(codes(twice)).toEqual(['BAD_USER_INPUT']);
    expect(twice.errors?.[0]?.message).toMatch(/DECLINED.*APPROVED/);
    expect((await view(id)).events).toHaveLength(1);
  });

  it('refuses a comment over 1000 characters', async () => {
    const id = await verified(phoneAndName, 'PARTIAL_MATCH');
    await statusBecomes(id, 'NEEDS_REVIEW');
    const result = await h.gql(acme.partner, DECLINE, { id, comment: 'c'.repeat(1001) });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.extensions?.['field']).toBe('comment');
    expect((await view(id)).status).toBe('NEEDS_REVIEW');
  });

  it('answers NOT_FOUND for unknown and malformed ids', async () => {
    for (const id of ['0192f1a0-0000-7000-8000-000000000000', 'x']) {
      expect(codes(await h.gql(acme.partner, APPROVE, { id }))).toEqual(['NOT_FOUND']);
      expect(codes(await h.gql(acme.partner, DECLINE, { id }))).toEqual(['NOT_FOUND']);
    }
  });
});
