import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHash, request, type Caller } from '@attestor/platform';
import { eventually, type GraphQLResult } from '@attestor/platform/testing';
import { ADMIN, ANONYMOUS, codes, startHarness, type Harness, type TestAccount } from './harness.js';

let h: Harness;
let attacker: TestAccount;
let victim: TestAccount;
/** The victim's ids, which the attacker tries everywhere. */
const theirs = {
  inquiryId: '',
  templateId: '',
  webhookId: '',
  deliveryId: '',
  apiKeyId: '',
  referenceId: 'victim-ref-7731',
};
let mine = { inquiryId: '', otherInquiryId: '', templateId: '', webhookId: '' };
const UNKNOWN = '0192f1a0-0000-7000-8000-00000000abcd';

beforeAll(async () => {
  h = await startHarness();
  attacker = await h.createAccount('Attacker Corp');
  victim = await h.createAccount('Victim Bank');
  theirs.templateId = await h.createTemplate(victim.partner, { name: 'Victim template' });
  const hook = await h.ok<{ createWebhook: { id: string } }>(
    victim.partner,
    `mutation { createWebhook(url: "http://127.0.0.1:9/victim-hook", events: ["inquiry.*"]) { id } }`,
  );
  theirs.webhookId = hook.createWebhook.id;
  theirs.inquiryId = (
    await h.createInquiry(victim.partner, {
      templateId: theirs.templateId,
      referenceId: theirs.referenceId,
      fields: { nameFirst: 'Victoria', nameLast: 'Victim', phoneNumber: '+14155559999' },
    })
  ).id;
  theirs.deliveryId = await eventually(
    async () => {
      const [row] = await h.sql<{ id: string }>(
        `SELECT id FROM $schema.webhook_deliveries WHERE webhook_id = $1`,
        [theirs.webhookId],
      );
      return row?.id;
    },
    { what: "the victim's webhook delivery" },
  );
  const [key] = await h.sql<{ id: string }>(`SELECT id FROM $schema.api_keys WHERE account_id = $1`, [
    victim.accountId,
  ]);
  theirs.apiKeyId = key?.id ?? '';

  const myTemplate = await h.createTemplate(attacker.partner, { name: 'Attacker template' });
  const myHook = await h.ok<{ createWebhook: { id: string } }>(
    attacker.partner,
    `mutation { createWebhook(url: "http://127.0.0.1:9/attacker-hook", events: ["inquiry.approved"]) { id } }`,
  );
  mine = {
    templateId: myTemplate,
    webhookId: myHook.createWebhook.id,
    inquiryId: (
      await h.createInquiry(attacker.partner, {
        templateId: myTemplate,
        fields: { nameFirst: 'Mallory', phoneNumber: '+14155554567' },
      })
    ).id,
    otherInquiryId: (await h.createInquiry(attacker.partner, { templateId: myTemplate })).id,
  };
});
afterAll(async () => {
  await h?.stop();
});

/** Every string that would betray the victim if it showed up in an answer to the attacker. */
const victimTraces = () => [victim.accountId, ...Object.values(theirs), 'Victim', 'Victoria', '5559999'];

function expectNoTrace(result: GraphQLResult<unknown>) {
  const text = JSON.stringify(result);
  for (const trace of victimTraces()) expect(text).not.toContain(trace);
}

const INQUIRY_FIELDS = `id status referenceId fields { nameFirst nameLast phoneNumber } template { id name } events { type }`;

interface Operation {
  name: string;
  query: string;
  variables: () => Record<string, unknown>;
  /** What the attacker must get: an error code, or a check of the data. */
  expectError?: string;
  check?: (data: Record<string, unknown>) => void;
}

const operations: Operation[] = [
  {
    name: 'query inquiry',
    query: `query ($id: ID!) { inquiry(id: $id) { ${INQUIRY_FIELDS} } }`,
    variables: () => ({ id: theirs.inquiryId }),
    check: (data) => expect(data['inquiry']).toBeNull(),
  },
  {
    name: 'query inquiries (by referenceId)',
    query: `query ($ref: String) { inquiries(referenceId: $ref) { edges { node { id } } } }`,
    variables: () => ({ ref: theirs.referenceId }),
    check: (data) => expect(data['inquiries']).toEqual({ edges: [] }),
  },
  {
    name: 'query inquiries (all)',
    query: `{ inquiries(first: 100) { edges { node { id } } } }`,
    variables: () => ({}),
    check: (data) => {
      const ids = (data['inquiries'] as { edges: Array<{ node: { id: string } }> }).edges.map(
        (e) => e.node.id,
      );
      expect(ids.sort()).toEqual([mine.inquiryId, mine.otherInquiryId].sort());
    },
  },
  {
    name: 'query account',
    query: `{ account { id name } }`,
    variables: () => ({}),
    check: (data) => expect(data['account']).toEqual({ id: attacker.accountId, name: 'Attacker Corp' }),
  },
  {
    name: 'query apiKeys',
    query: `{ apiKeys { id } }`,
    variables: () => ({}),
    check: (data) => expect((data['apiKeys'] as unknown[]).length).toBeGreaterThan(0),
  },
  {
    name: 'query inquiryTemplates',
    query: `{ inquiryTemplates { id } }`,
    variables: () => ({}),
    check: (data) => expect(data['inquiryTemplates']).toContainEqual({ id: mine.templateId }),
  },
  {
    name: 'query webhooks (with deliveries)',
    query: `{ webhooks { id deliveries { id eventId } } }`,
    variables: () => ({}),
    check: (data) =>
      expect((data['webhooks'] as Array<{ id: string }>).map((w) => w.id)).toEqual([mine.webhookId]),
  },
  {
    name: '_entities Inquiry',
    query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Inquiry { ${INQUIRY_FIELDS} } } }`,
    variables: () => ({ r: [{ __typename: 'Inquiry', id: theirs.inquiryId }] }),
    check: (data) => expect(data['_entities']).toEqual([null]),
  },
  {
    name: '_entities InquiryTemplate',
    query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on InquiryTemplate { id name } } }`,
    variables: () => ({ r: [{ __typename: 'InquiryTemplate', id: theirs.templateId }] }),
    check: (data) => expect(data['_entities']).toEqual([null]),
  },
  {
    name: '_entities Account',
    query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id name } } }`,
    variables: () => ({ r: [{ __typename: 'Account', id: victim.accountId }] }),
    check: (data) => expect(data['_entities']).toEqual([null]),
  },
  {
    name: 'mutation createAccount',
    query: `mutation { createAccount(name: "Sneaky") { apiKey } }`,
    variables: () => ({}),
    expectError: 'FORBIDDEN',
  },
  {
    name: 'mutation createApiKey',
    query: `mutation { createApiKey(scopes: []) { apiKey { id scopes } secret } }`,
    variables: () => ({}),
    check: (data) => expect(data['createApiKey']).toMatchObject({ apiKey: { scopes: [] } }),
  },
  {
    name: 'mutation createInquiryTemplate',
    query: `mutation { createInquiryTemplate(input: { name: "Mine", steps: [PHONE_OTP] }) { id name } }`,
    variables: () => ({}),
    check: (data) => expect(data['createInquiryTemplate']).toMatchObject({ name: 'Mine' }),
  },
  {
    name: 'mutation createWebhook',
    query: `mutation { createWebhook(url: "http://127.0.0.1:9/mine", events: ["inquiry.created"]) { id deliveries { id } } }`,
    variables: () => ({}),
    check: (data) => expect(data['createWebhook']).toMatchObject({ deliveries: [] }),
  },
  {
    name: 'mutation revokeApiKey',
    query: `mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`,
    variables: () => ({ id: theirs.apiKeyId }),
    expectError: 'NOT_FOUND',
  },
  {
    name: 'mutation createInquiry (their template)',
    query: `mutation ($t: ID!) { createInquiry(input: { templateId: $t }) { inquiry { id } } }`,
    variables: () => ({ t: theirs.templateId }),
    expectError: 'NOT_FOUND',
  },
  {
    name: 'mutation approveInquiry',
    query: `mutation ($id: ID!) { approveInquiry(id: $id, comment: "mine now") { id status } }`,
    variables: () => ({ id: theirs.inquiryId }),
    expectError: 'NOT_FOUND',
  },
  {
    name: 'mutation declineInquiry',
    query: `mutation ($id: ID!) { declineInquiry(id: $id) { id status } }`,
    variables: () => ({ id: theirs.inquiryId }),
    expectError: 'NOT_FOUND',
  },
  {
    name: 'mutation redactInquiry',
    query: `mutation ($id: ID!) { redactInquiry(id: $id) { id } }`,
    variables: () => ({ id: theirs.inquiryId }),
    expectError: 'NOT_FOUND',
  },
  {
    name: 'mutation deleteWebhook',
    query: `mutation ($id: ID!) { deleteWebhook(id: $id) { id } }`,
    variables: () => ({ id: theirs.webhookId }),
    expectError: 'NOT_FOUND',
  },
  {
    name: 'mutation replayWebhookDelivery',
    query: `mutation ($id: ID!) { replayWebhookDelivery(id: $id) { id status } }`,
    variables: () => ({ id: theirs.deliveryId }),
    expectError: 'NOT_FOUND',
  },
];

/** The same operation with an id that exists nowhere: the victim's id must be answered exactly like it. */
function withUnknownIds(variables: Record<string, unknown>): Record<string, unknown> {
  const swap = (value: unknown): unknown => {
    if (typeof value === 'string' && (Object.values(theirs).includes(value) || value === victim.accountId))
      return UNKNOWN;
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  return swap(variables) as Record<string, unknown>;
}

describe('tenant isolation: another account’s ids behave like unknown ids', () => {
  it.each(operations.map((op) => [op.name, op] as const))('%s', async (_name, op) => {
    const result = await h.gql(attacker.partner, op.query, op.variables());
    expectNoTrace(result);
    if (op.expectError) {
      expect(codes(result)).toEqual([op.expectError]);
      const unknown = await h.gql(attacker.partner, op.query, withUnknownIds(op.variables()));
      expect(result.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
      expect(codes(unknown)).toEqual([op.expectError]);
    } else {
      expect(result.errors).toBeUndefined();
      op.check?.(result.data as Record<string, unknown>);
    }
  });

  it('left the victim’s data untouched', async () => {
    const data = await h.ok<{
      inquiry: { status: string; redactedAt: string | null; fields: { nameFirst: string } };
    }>(victim.partner, `query ($id: ID!) { inquiry(id: $id) { status redactedAt fields { nameFirst } } }`, {
      id: theirs.inquiryId,
    });
    expect(data.inquiry).toEqual({ status: 'CREATED', redactedAt: null, fields: { nameFirst: 'Victoria' } });
    const [webhooks] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM $schema.webhooks WHERE id = $1`,
      [theirs.webhookId],
    );
    expect(webhooks?.n).toBe(1);
    const [key] = await h.sql<{ revoked_at: string | null }>(
      `SELECT revoked_at FROM $schema.api_keys WHERE id = $1`,
      [theirs.apiKeyId],
    );
    expect(key?.revoked_at).toBeNull();
  });

  it('gives the victim’s inquiry to nobody through rpc.inquiry.lookup with another account', async () => {
    const reply = await request(
      h.bus,
      'rpc.inquiry.lookup',
      // Nor holds it open for a send.
      { accountId: attacker.accountId, inquiryId: theirs.inquiryId, holdForSendMs: 60_000 },
      { timeoutMs: 5000 },
    );
    expect(reply).toEqual({ held: false, inquiry: null });
  });
});

describe('session token scope', () => {
  let session: Caller;
  beforeAll(() => {
    session = { kind: 'session', accountId: attacker.accountId, inquiryId: mine.inquiryId };
  });

  it('reads its own inquiry, masked, with its template and events', async () => {
    const data = await h.ok<{ inquiry: Record<string, unknown> }>(
      session,
      `query ($id: ID!) { inquiry(id: $id) { ${INQUIRY_FIELDS} } }`,
      {
        id: mine.inquiryId,
      },
    );
    expect(data.inquiry).toMatchObject({
      id: mine.inquiryId,
      status: 'CREATED',
      fields: { nameFirst: 'M***', nameLast: null, phoneNumber: '+1******4567' },
      template: { id: mine.templateId },
      events: [{ type: 'inquiry.created' }],
    });
  });

  it('resolves its own inquiry as an entity and nothing else', async () => {
    const data = await h.ok<{ _entities: unknown[] }>(
      session,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Inquiry { id } } }`,
      {
        r: [
          { __typename: 'Inquiry', id: mine.inquiryId },
          { __typename: 'Inquiry', id: mine.otherInquiryId },
          { __typename: 'Inquiry', id: theirs.inquiryId },
        ],
      },
    );
    expect(data._entities).toEqual([{ id: mine.inquiryId }, null, null]);
  });

  it('gets null for another inquiry of the same account and for another account’s', async () => {
    for (const id of [mine.otherInquiryId, theirs.inquiryId]) {
      const result = await h.gql(session, `query ($id: ID!) { inquiry(id: $id) { id } }`, { id });
      expect(result).toEqual({ data: { inquiry: null } });
    }
  });

  const refused: Array<[string, string, Record<string, unknown>]> = [
    ['inquiries', `{ inquiries { edges { node { id } } } }`, {}],
    ['account', `{ account { id } }`, {}],
    ['apiKeys', `{ apiKeys { id } }`, {}],
    ['inquiryTemplates', `{ inquiryTemplates { id } }`, {}],
    ['webhooks', `{ webhooks { id } }`, {}],
    ['createAccount', `mutation { createAccount(name: "x") { apiKey } }`, {}],
    ['createApiKey', `mutation { createApiKey { secret } }`, {}],
    ['revokeApiKey', `mutation ($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: UNKNOWN }],
    [
      'createInquiryTemplate',
      `mutation { createInquiryTemplate(input: { name: "x", steps: [PHONE_OTP] }) { id } }`,
      {},
    ],
    [
      'createInquiry',
      `mutation ($t: ID!) { createInquiry(input: { templateId: $t }) { sessionToken } }`,
      { t: UNKNOWN },
    ],
    ['approveInquiry (own)', `mutation ($id: ID!) { approveInquiry(id: $id) { id } }`, { id: 'own' }],
    ['declineInquiry (own)', `mutation ($id: ID!) { declineInquiry(id: $id) { id } }`, { id: 'own' }],
    ['redactInquiry (own)', `mutation ($id: ID!) { redactInquiry(id: $id) { id } }`, { id: 'own' }],
    [
      'createWebhook',
      `mutation { createWebhook(url: "https://example.com/h", events: ["inquiry.*"]) { id } }`,
      {},
    ],
    ['deleteWebhook', `mutation ($id: ID!) { deleteWebhook(id: $id) { id } }`, { id: UNKNOWN }],
    [
      'replayWebhookDelivery',
      `mutation ($id: ID!) { replayWebhookDelivery(id: $id) { id } }`,
      { id: UNKNOWN },
    ],
  ];
  it.each(refused)('refuses %s with FORBIDDEN', async (_name, query, variables) => {
    const vars = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, v === 'own' ? mine.inquiryId : v]),
    );
    const result = await h.gql(session, query, vars);
    expect(codes(result)).toEqual(['FORBIDDEN']);
  });
});

describe('admin and anonymous callers', () => {
  const everythingElse: Array<[string, string]> = [
    ['inquiry', `query { inquiry(id: "${UNKNOWN}") { id } }`],
    ['inquiries', `{ inquiries { edges { node { id } } } }`],
    ['account', `{ account { id } }`],
    ['apiKeys', `{ apiKeys { id } }`],
    ['inquiryTemplates', `{ inquiryTemplates { id } }`],
    ['webhooks', `{ webhooks { id } }`],
    ['createApiKey', `mutation { createApiKey { secret } }`],
    ['revokeApiKey', `mutation { revokeApiKey(id: "${UNKNOWN}") { id } }`],
    [
      'createInquiryTemplate',
      `mutation { createInquiryTemplate(input: { name: "x", steps: [PHONE_OTP] }) { id } }`,
    ],
    ['createInquiry', `mutation { createInquiry(input: { templateId: "${UNKNOWN}" }) { sessionToken } }`],
    ['approveInquiry', `mutation { approveInquiry(id: "${UNKNOWN}") { id } }`],
    ['declineInquiry', `mutation { declineInquiry(id: "${UNKNOWN}") { id } }`],
    ['redactInquiry', `mutation { redactInquiry(id: "${UNKNOWN}") { id } }`],
    [
      'createWebhook',
      `mutation { createWebhook(url: "https://example.com/h", events: ["inquiry.*"]) { id } }`,
    ],
    ['deleteWebhook', `mutation { deleteWebhook(id: "${UNKNOWN}") { id } }`],
    ['replayWebhookDelivery', `mutation { replayWebhookDelivery(id: "${UNKNOWN}") { id } }`],
  ];

  it('lets the admin token create accounts, each with a pii:read key', async () => {
    const data = await h.ok<{ createAccount: { account: { id: string; name: string }; apiKey: string } }>(
      ADMIN,
      `mutation { createAccount(name: "  Globex  ") { account { id name createdAt } apiKey } }`,
    );
    expect(data.createAccount.account.name).toBe('Globex');
    expect(data.createAccount.apiKey).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    const resolved = await request(
      h.bus,
      'rpc.inquiry.credentials.resolve',
      { keyHash: apiKeyHash(data.createAccount.apiKey) },
      { timeoutMs: 5000 },
    );
    expect(resolved.credential).toMatchObject({
      accountId: data.createAccount.account.id,
      scopes: ['pii:read'],
    });
    const [stored] = await h.sql<{ key_hash: string }>(
      `SELECT key_hash FROM $schema.api_keys WHERE account_id = $1`,
      [data.createAccount.account.id],
    );
    expect(stored?.key_hash).toBe(apiKeyHash(data.createAccount.apiKey));
  });

  it.each(['', ' ', 'x'.repeat(101)])('refuses the account name %j', async (name) => {
    const result = await h.gql(ADMIN, `mutation ($name: String!) { createAccount(name: $name) { apiKey } }`, {
      name,
    });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
  });

  it.each(everythingElse)('refuses the admin token %s with FORBIDDEN', async (_name, query) => {
    expect(codes(await h.gql(ADMIN, query))).toEqual(['FORBIDDEN']);
  });

  it.each([...everythingElse, ['createAccount', `mutation { createAccount(name: "x") { apiKey } }`]])(
    'refuses an anonymous %s with UNAUTHENTICATED',
    async (_name, query) => {
      expect(codes(await h.gql(ANONYMOUS, query))).toEqual(['UNAUTHENTICATED']);
    },
  );
});

describe('api keys', () => {
  const CREATE_KEY = `mutation ($scopes: [String!]) { createApiKey(scopes: $scopes) { apiKey { id prefix scopes createdAt revokedAt } secret } }`;
  type Created = {
    createApiKey: {
      apiKey: { id: string; prefix: string; scopes: string[]; revokedAt: string | null };
      secret: string;
    };
  };
  const resolve = (secret: string) =>
    request(h.bus, 'rpc.inquiry.credentials.resolve', { keyHash: apiKeyHash(secret) }, { timeoutMs: 5000 });

  it('creates keys (pii:read by default, or none) that resolve to the account', async () => {
    const withPii = await h.ok<Created>(attacker.partner, CREATE_KEY);
    expect(withPii.createApiKey.apiKey.scopes).toEqual(['pii:read']);
    expect(withPii.createApiKey.secret.startsWith(withPii.createApiKey.apiKey.prefix)).toBe(true);
    const noPii = await h.ok<Created>(attacker.partner, CREATE_KEY, { scopes: [] });
    expect(noPii.createApiKey.apiKey.scopes).toEqual([]);
    expect((await resolve(noPii.createApiKey.secret)).credential).toEqual({
      accountId: attacker.accountId,
      keyId: noPii.createApiKey.apiKey.id,
      scopes: [],
    });
    const listed = await h.ok<{ apiKeys: Array<{ id: string }> }>(attacker.partner, `{ apiKeys { id } }`);
    expect(listed.apiKeys.map((k) => k.id)).toEqual(
      expect.arrayContaining([withPii.createApiKey.apiKey.id, noPii.createApiKey.apiKey.id]),
    );
  });

  it('refuses an unknown scope, and pii:read to a key that does not hold it', async () => {
    const unknown = await h.gql(attacker.partner, CREATE_KEY, { scopes: ['root'] });
    expect(codes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(unknown.errors?.[0]?.extensions?.['field']).toBe('scopes');
    expect(codes(await h.gql(attacker.partnerNoPii, CREATE_KEY, { scopes: ['pii:read'] }))).toEqual([
      'FORBIDDEN',
    ]);
  });

  it('revokes a key: it resolves to null, the gateways hear of it once, a second revoke changes nothing', async () => {
    const created = await h.ok<Created>(attacker.partner, CREATE_KEY);
    const { id } = created.createApiKey.apiKey;
    const REVOKE = `mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`;
    const revoked = await h.ok<{ revokeApiKey: { revokedAt: string } }>(attacker.partner, REVOKE, { id });
    expect(revoked.revokeApiKey.revokedAt).toBeTruthy();
    expect(await resolve(created.createApiKey.secret)).toEqual({ credential: null });
    const event = await eventually(() => h.eventsOf(id, 'inquiry.api-key.revoked')[0], {
      what: 'inquiry.api-key.revoked',
    });
    expect(event).toMatchObject({ accountId: attacker.accountId, data: { keyId: id } });
    const again = await h.ok<{ revokeApiKey: { revokedAt: string } }>(attacker.partner, REVOKE, { id });
    expect(again.revokeApiKey.revokedAt).toBe(revoked.revokeApiKey.revokedAt);
    const [count] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM $schema.outbox WHERE payload->>'type' = 'inquiry.api-key.revoked' AND payload->>'subjectId' = $1`,
      [id],
    );
    expect(count?.n).toBe(1);
  });

  it('answers null for an unknown key and BAD_USER_INPUT for a malformed hash', async () => {
    expect(await resolve('sk_never-issued')).toEqual({ credential: null });
    await expect(
      request(h.bus, 'rpc.inquiry.credentials.resolve', { keyHash: 'short' }, { timeoutMs: 5000 }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
  });

  it('answers NOT_FOUND for revoking an unknown or malformed id', async () => {
    for (const id of [UNKNOWN, 'not-a-uuid']) {
      expect(
        codes(await h.gql(attacker.partner, `mutation ($id: ID!) { revokeApiKey(id: $id) { id } }`, { id })),
      ).toEqual(['NOT_FOUND']);
    }
  });
});

describe('rpc.inquiry.lookup', () => {
  it('answers the inquiry with its steps and sealed names, null when unknown, and no names once redacted', async () => {
    const lookup = (accountId: string, inquiryId: string) =>
      request(h.bus, 'rpc.inquiry.lookup', { accountId, inquiryId }, { timeoutMs: 5000 });
    const reply = await lookup(attacker.accountId, mine.inquiryId);
    expect(reply.inquiry).toMatchObject({
      id: mine.inquiryId,
      accountId: attacker.accountId,
      status: 'CREATED',
      steps: ['PHONE_OTP', 'DATABASE_NAME_MATCH'],
      redacted: false,
      nameSealed: { middle: null, last: null },
    });
    const [row] = await h.sql<{ name_first_sealed: string }>(
      `SELECT name_first_sealed FROM $schema.inquiries WHERE id = $1`,
      [mine.inquiryId],
    );
    expect(reply.inquiry?.nameSealed?.first).toBe(row?.name_first_sealed);
    expect(h.service.deps.pii.open(reply.inquiry?.nameSealed?.first ?? '')).toBe('Mallory');
    expect((await lookup(attacker.accountId, UNKNOWN)).inquiry).toBeNull();
    expect((await lookup(attacker.accountId, 'garbage')).inquiry).toBeNull();
    expect((await lookup(attacker.accountId, mine.otherInquiryId)).inquiry?.nameSealed).toBeNull();

    await h.ok(attacker.partner, `mutation ($id: ID!) { redactInquiry(id: $id) { id } }`, {
      id: mine.inquiryId,
    });
    expect((await lookup(attacker.accountId, mine.inquiryId)).inquiry).toMatchObject({
      redacted: true,
      nameSealed: null,
    });
  });
});
