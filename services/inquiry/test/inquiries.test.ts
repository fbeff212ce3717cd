import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@attestor/platform/testing';
import { CREATE_INQUIRY, codes, startHarness, type Harness, type TestAccount } from './harness.js';

let h: Harness;
let acme: TestAccount;
let templateId: string;

const jane = { nameFirst: 'Jane', nameLast: 'Doe', birthdate: '1990-02-03', phoneNumber: '+1 415 555 0123' };

beforeAll(async () => {
  h = await startHarness();
  acme = await h.createAccount('Acme');
  templateId = await h.createTemplate(acme.partner);
});
afterAll(async () => {
  await h?.stop();
});

describe('createInquiry', () => {
  it('stores a CREATED inquiry with sealed PII, an event, and a session token until it expires', async () => {
    const created = await h.createInquiry(acme.partner, { templateId, referenceId: 'user-1', fields: jane });
    expect(created.status).toBe('CREATED');
    expect(created.sessionToken).toMatch(/^st_/);
    const [row] = await h.sql<Record<string, string | null>>(
      `SELECT name_first_sealed, birthdate_sealed, phone_number_sealed, phone_hash, reference_id,
              extract(epoch FROM expires_at - created_at)::int AS ttl FROM $schema.inquiries WHERE id = $1`,
      [created.id],
    );
    expect(row?.['name_first_sealed']).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain('Jane');
    expect(JSON.stringify(row)).not.toContain('4155550123');
    expect(row?.['phone_hash']).toBe(h.service.deps.pii.hash('+14155550123'));
    expect(row?.['reference_id']).toBe('user-1');
    expect(Number(row?.['ttl'])).toBe(86_400);
    const event = await eventually(() => h.eventsOf(created.id, 'inquiry.created')[0], {
      what: 'inquiry.created',
    });
    expect(event.accountId).toBe(acme.accountId);
    expect(event.data).toEqual({
      templateId,
      referenceId: 'user-1',
      steps: ['PHONE_OTP', 'DATABASE_NAME_MATCH'],
      status: 'CREATED',
    });
    expect(JSON.stringify(event)).not.toContain('Jane');
  });

  it('returns the fields in clear to a key with pii:read and masked to one without', async () => {
    const created = await h.createInquiry(acme.partner, { templateId, fields: jane });
    const query = `query ($id: ID!) { inquiry(id: $id) { fields { nameFirst nameMiddle nameLast birthdate phoneNumber } } }`;
    const clear = await h.ok<{ inquiry: { fields: unknown } }>(acme.partner, query, { id: created.id });
    expect(clear.inquiry.fields).toEqual({
      nameFirst: 'Jane',
      nameMiddle: null,
      nameLast: 'Doe',
      birthdate: '1990-02-03',
      phoneNumber: '+14155550123',
    });
    const masked = await h.ok<{ inquiry: { fields: unknown } }>(acme.partnerNoPii, query, { id: created.id });
    expect(masked.inquiry.fields).toEqual({
      nameFirst: 'J***',
      nameMiddle: null,
      nameLast: 'D***',
      birthdate: '****-**-**',
      phoneNumber: '+1******0123',
    });
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['an empty first name', { fields: { nameFirst: '' } }, 'fields.nameFirst'],
    ['a first name of 101 characters', { fields: { nameFirst: 'a'.repeat(101) } }, 'fields.nameFirst'],
    ['digits in a middle name', { fields: { nameMiddle: 'J0hn' } }, 'fields.nameMiddle'],
    ['symbols in a last name', { fields: { nameLast: 'Doe!' } }, 'fields.nameLast'],
    ['a birthdate in another format', { fields: { birthdate: '03/02/1990' } }, 'fields.birthdate'],
    ['a birthdate that does not exist', { fields: { birthdate: '1990-02-30' } }, 'fields.birthdate'],
    ['a birthdate in the future', { fields: { birthdate: '2999-01-01' } }, 'fields.birthdate'],
    ['a birthdate before 1900', { fields: { birthdate: '1899-06-01' } }, 'fields.birthdate'],
    ['a national phone number', { fields: { phoneNumber: '415 555 0123' } }, 'fields.phoneNumber'],
    ['an invalid phone number', { fields: { phoneNumber: '+1 999 555 0123' } }, 'fields.phoneNumber'],
    ['a referenceId of 256 characters', { referenceId: 'r'.repeat(256) }, 'referenceId'],
  ];
  it.each(bad)('refuses %s with BAD_USER_INPUT naming the field', async (_what, input, field) => {
    const result = await h.gql(acme.partner, CREATE_INQUIRY, { input: { templateId, ...input } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.extensions?.['field']).toBe(field);
  });

  it('refuses an idempotency key of 0 or 256 characters', async () => {
    for (const key of ['', 'k'.repeat(256)]) {
      const result = await h.gql(acme.partner, CREATE_INQUIRY, { input: { templateId }, key });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors?.[0]?.extensions?.['field']).toBe('idempotencyKey');
    }
  });

  it('answers NOT_FOUND for an unknown or malformed template id', async () => {
    for (const id of ['0192f1a0-0000-7000-8000-000000000000', 'nope']) {
      expect(codes(await h.gql(acme.partner, CREATE_INQUIRY, { input: { templateId: id } }))).toEqual([
        'NOT_FOUND',
      ]);
    }
  });
});

describe('idempotency keys', () => {
  it('replays the first result for the same input, in any field order', async () => {
    const first = await h.createInquiry(
      acme.partner,
      { templateId, referenceId: 'idem-1', fields: jane },
      'key-seq-1',
    );
    const again = await h.createInquiry(
      acme.partner,
      {
        fields: {
          phoneNumber: '+1 415 555 0123',
          birthdate: '1990-02-03',
          nameLast: 'Doe',
          nameFirst: 'Jane',
        },
        referenceId: 'idem-1',
        templateId,
      },
      'key-seq-1',
    );
    expect(again).toEqual(first);
    const [count] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM $schema.inquiries WHERE reference_id = 'idem-1'`,
    );
    expect(count?.n).toBe(1);
  });

  it('answers CONFLICT for the same key with another input', async () => {
    await h.createInquiry(acme.partner, { templateId, referenceId: 'idem-2' }, 'key-seq-2');
    const result = await h.gql(acme.partner, CREATE_INQUIRY, {
      input: { templateId, referenceId: 'idem-2b' },
      key: 'key-seq-2',
    });
    expect(codes(result)).toEqual(['CONFLICT']);
  });

  it('keeps keys per account', async () => {
    const other = await h.createAccount('Other');
    const otherTemplate = await h.createTemplate(other.partner);
    const mine = await h.createInquiry(acme.partner, { templateId }, 'shared-key');
    const theirs = await h.createInquiry(other.partner, { templateId: otherTemplate }, 'shared-key');
    expect(theirs.id).not.toBe(mine.id);
  });

  it('lets the same key create again once its TTL has passed', async () => {
    const first = await h.createInquiry(acme.partner, { templateId, referenceId: 'idem-ttl' }, 'key-ttl');
    await h.sql(
      `UPDATE $schema.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'key-ttl'`,
    );
    const second = await h.createInquiry(acme.partner, { templateId, referenceId: 'idem-ttl' }, 'key-ttl');
    expect(second.id).not.toBe(first.id);
  });

  it('creates exactly one inquiry and one inquiry.created event for 20 concurrent retries', async () => {
    const input = { templateId, referenceId: 'idem-concurrent', fields: jane };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => h.gql(acme.partner, CREATE_INQUIRY, { input, key: 'key-concurrent' })),
    );
    for (const result of results) expect(result.errors).toBeUndefined();
    const payloads = results.map(
      (r) => (r.data as { createInquiry: { inquiry: { id: string }; sessionToken: string } }).createInquiry,
    );
    expect(new Set(payloads.map((p) => p.inquiry.id)).size).toBe(1);
    expect(new Set(payloads.map((p) => p.sessionToken)).size).toBe(1);
    const id = payloads[0]?.inquiry.id ?? '';
    const [count] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM $schema.inquiries WHERE reference_id = 'idem-concurrent'`,
    );
    expect(count?.n).toBe(1);
    const [outboxCount] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM $schema.outbox WHERE payload->>'type' = 'inquiry.created' AND payload->>'subjectId' = $1`,
      [id],
    );
    expect(outboxCount?.n).toBe(1);
    await eventually(() => h.eventsOf(id, 'inquiry.created').length === 1, {
      what: 'the inquiry.created event',
    });
    const createdEvents = h.events.filter(
      (e) =>
        e.type === 'inquiry.created' &&
        (e.data as { referenceId: string | null }).referenceId === 'idem-concurrent',
    );
    expect(createdEvents).toHaveLength(1);
  });
});

describe('inquiries pagination', () => {
  const PAGE = /* GraphQL */ `
    query ($first: Int, $after: String, $status: InquiryStatus, $referenceId: String) {
      inquiries(first: $first, after: $after, status: $status, referenceId: $referenceId) {
        edges {
          cursor
          node {
            id
            referenceId
            status
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  `;
  type Page = {
    inquiries: {
      edges: Array<{ cursor: string; node: { id: string; referenceId: string } }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };

  it('pages of 7 over 25 inquiries, with inserts between pages: newest first, none twice, none missing', async () => {
    const pager = await h.createAccount('Pager');
    const pagerTemplate = await h.createTemplate(pager.partner, { steps: ['PHONE_OTP'] });
    const created: string[] = [];
    for (let i = 0; i < 25; i += 1)
      created.push(
        (await h.createInquiry(pager.partner, { templateId: pagerTemplate, referenceId: `p-${i}` })).id,
      );
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const data: Page = await h.ok<Page>(pager.partner, PAGE, { first: 7, after });
      seen.push(...data.inquiries.edges.map((e) => e.node.id));
      pages += 1;
      // Inserts between pages are newer than the cursor: they must not shift the pages that follow.
      await h.createInquiry(pager.partner, { templateId: pagerTemplate, referenceId: `late-${pages}` });
      if (!data.inquiries.pageInfo.hasNextPage) break;
      after = data.inquiries.pageInfo.endCursor;
    }
    expect(pages).toBe(4);
    expect(seen).toEqual([...created].reverse());
  });

  it('filters by status and by referenceId', async () => {
    const filterer = await h.createAccount('Filterer');
    const t = await h.createTemplate(filterer.partner, { steps: ['PHONE_OTP'] });
    const a = await h.createInquiry(filterer.partner, { templateId: t, referenceId: 'same' });
    const b = await h.createInquiry(filterer.partner, { templateId: t, referenceId: 'same' });
    await h.createInquiry(filterer.partner, { templateId: t, referenceId: 'other' });
    await h.sql(`UPDATE $schema.inquiries SET status = 'EXPIRED' WHERE id = $1`, [a.id]);
    const byReference = await h.ok<Page>(filterer.partner, PAGE, { referenceId: 'same' });
    expect(byReference.inquiries.edges.map((e) => e.node.id)).toEqual([b.id, a.id]);
    const byStatus = await h.ok<Page>(filterer.partner, PAGE, { status: 'EXPIRED' });
    expect(byStatus.inquiries.edges.map((e) => e.node.id)).toEqual([a.id]);
    const both = await h.ok<Page>(filterer.partner, PAGE, { status: 'CREATED', referenceId: 'same' });
    expect(both.inquiries.edges.map((e) => e.node.id)).toEqual([b.id]);
    const none = await h.ok<Page>(filterer.partner, PAGE, { referenceId: 'nobody' });
    expect(none.inquiries).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it.each([0, -5, 101])('refuses first = %i with BAD_USER_INPUT', async (first) => {
    const result = await h.gql(acme.partner, PAGE, { first });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.extensions?.['field']).toBe('first');
  });

  it.each(['garbage', Buffer.from('inquiry:1234').toString('base64url'), 'aW5xdWlyeTo'])(
    'refuses the cursor %s',
    async (after) => {
      const result = await h.gql(acme.partner, PAGE, { after });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors?.[0]?.extensions?.['field']).toBe('after');
    },
  );

  it('refuses an unknown status with BAD_USER_INPUT', async () => {
    expect(codes(await h.gql(acme.partner, PAGE, { status: 'LOST' }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('redactInquiry', () => {
  const REDACT = `mutation ($id: ID!) { redactInquiry(id: $id) { id status redactedAt fields { nameFirst nameMiddle nameLast birthdate phoneNumber } } }`;

  it('erases the PII columns, publishes inquiry.redacted, and is idempotent', async () => {
    const created = await h.createInquiry(acme.partner, {
      templateId,
      referenceId: 'redact-me',
      fields: jane,
    });
    const first = await h.ok<{
      redactInquiry: { redactedAt: string; status: string; fields: Record<string, unknown> };
    }>(acme.partner, REDACT, { id: created.id });
    expect(first.redactInquiry.redactedAt).toBeTruthy();
    expect(first.redactInquiry.status).toBe('CREATED');
    expect(first.redactInquiry.fields).toEqual({
      nameFirst: null,
      nameMiddle: null,
      nameLast: null,
      birthdate: null,
      phoneNumber: null,
    });
    const [row] = await h.sql<Record<string, unknown>>(
      `SELECT name_first_sealed, name_middle_sealed, name_last_sealed, birthdate_sealed, phone_number_sealed, phone_hash,
              redacted_at, status, reference_id FROM $schema.inquiries WHERE id = $1`,
      [created.id],
    );
    expect(row).toMatchObject({
      name_first_sealed: null,
      name_middle_sealed: null,
      name_last_sealed: null,
      birthdate_sealed: null,
      phone_number_sealed: null,
      phone_hash: null,
      status: 'CREATED',
      reference_id: 'redact-me',
    });
    expect(row?.['redacted_at']).not.toBeNull();
    const event = await eventually(() => h.eventsOf(created.id, 'inquiry.redacted')[0], {
      what: 'inquiry.redacted',
    });
    expect(event.data).toEqual({ redactedAt: first.redactInquiry.redactedAt });

    const second = await h.ok<{ redactInquiry: { redactedAt: string } }>(acme.partner, REDACT, {
      id: created.id,
    });
    expect(second.redactInquiry.redactedAt).toBe(first.redactInquiry.redactedAt);
    const [published] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM $schema.outbox WHERE payload->>'type' = 'inquiry.redacted' AND payload->>'subjectId' = $1`,
      [created.id],
    );
    expect(published?.n).toBe(1);
    const events = await h.ok<{ inquiry: { events: Array<{ type: string }> } }>(
      acme.partner,
      `query ($id: ID!) { inquiry(id: $id) { events { type } } }`,
      { id: created.id },
    );
    expect(events.inquiry.events.map((e) => e.type)).toEqual(['inquiry.created', 'inquiry.redacted']);
  });

  it('answers NOT_FOUND for an unknown inquiry', async () => {
    expect(codes(await h.gql(acme.partner, REDACT, { id: '0192f1a0-0000-7000-8000-000000000000' }))).toEqual([
      'NOT_FOUND',
    ]);
  });
});

describe('a template redirect URL', () => {
  const TEMPLATE_REDIRECT = `mutation ($input: CreateInquiryTemplateInput!) {
    createInquiryTemplate(input: $input) { id redirectUrl } }`;

  it('is stored as given and read by the session of its inquiry (the done page links to it)', async () => {
    const created = await h.ok<{ createInquiryTemplate: { id: string; redirectUrl: string | null } }>(
      acme.partner,
      TEMPLATE_REDIRECT,
      {
        input: {
          name: 'Back to the bank',
          steps: ['PHONE_OTP'],
          redirectUrl: 'https://bank.example/kyc/done',
        },
      },
    );
    expect(created.createInquiryTemplate.redirectUrl).toBe('https://bank.example/kyc/done');
    const [row] = await h.sql<{ redirect_url: string | null }>(
      'SELECT redirect_url FROM $schema.templates WHERE id = $1',
      [created.createInquiryTemplate.id],
    );
    expect(row?.redirect_url).toBe('https://bank.example/kyc/done');
    const inquiry = await h.createInquiry(acme.partner, { templateId: created.createInquiryTemplate.id });
    const session = { kind: 'session' as const, accountId: acme.accountId, inquiryId: inquiry.id };
    const seen = await h.ok<{ inquiry: { template: { redirectUrl: string | null } } }>(
      session,
      'query ($id: ID!) { inquiry(id: $id) { template { redirectUrl } } }',
      { id: inquiry.id },
    );
    expect(seen.inquiry.template.redirectUrl).toBe('https://bank.example/kyc/done');
    // Without one, there is no link.
    const plain = await h.ok<{ inquiry: { template: { redirectUrl: string | null } } }>(
      acme.partner,
      'query ($id: ID!) { inquiry(id: $id) { template { redirectUrl } } }',
      { id: (await h.createInquiry(acme.partner, { templateId })).id },
    );
    expect(plain.inquiry.template.redirectUrl).toBeNull();
  });

  it.each([
    ['plain http to a host on the internet', 'http://bank.example/done'],
    ['a javascript: URL', 'javascript:alert(document.domain)'],
    ['a relative path', '/done'],
    ['credentials in the URL', 'https://user:secret@bank.example/done'],
  ])('refuses %s with BAD_USER_INPUT on redirectUrl, storing nothing', async (_, redirectUrl) => {
    const before = await h.sql<{ n: string }>('SELECT count(*) AS n FROM $schema.templates');
    const result = await h.gql(acme.partner, TEMPLATE_REDIRECT, {
      input: { name: 'Bad redirect', steps: ['PHONE_OTP'], redirectUrl },
    });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.extensions?.['field']).toBe('redirectUrl');
    expect(JSON.stringify(result.errors)).not.toMatch(/stack|at .*\.ts/);
    const after = await h.sql<{ n: string }>('SELECT count(*) AS n FROM $schema.templates');
    expect(after[0]?.n).toBe(before[0]?.n);
  });
});
