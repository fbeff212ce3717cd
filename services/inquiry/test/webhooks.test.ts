import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@attestor/platform/testing';
import { codes, startHarness, TestClock, type Harness, type TestAccount } from './harness.js';
import { Receiver, verifySignature } from './receiver.js';

const clock = new TestClock();
const receiver = new Receiver();
let h: Harness;
let acme: TestAccount;
let templateId: string;

beforeAll(async () => {
  await receiver.start();
  // A long timeout so the hanging endpoint below stays in flight for the whole test.
  h = await startHarness({
    service: { clock, random: () => 0.5 },
    overrides: { WEBHOOK_TIMEOUT_MS: '60000' },
  });
  acme = await h.createAccount('Acme');
  templateId = await h.createTemplate(acme.partner, { steps: ['PHONE_OTP'] });
});
afterAll(async () => {
  await h?.stop();
  await receiver.stop();
});

const CREATE_WEBHOOK = `mutation ($url: String!, $events: [String!]!) { createWebhook(url: $url, events: $events) { id url events secret createdAt } }`;
type CreatedWebhook = { createWebhook: { id: string; url: string; events: string[]; secret: string } };

interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  attemptLog: Array<{ statusCode: number | null; error: string | null; durationMs: number }>;
}

async function deliveries(account: TestAccount, webhookId: string): Promise<DeliveryView[]> {
  const data = await h.ok<{ webhooks: Array<{ id: string; deliveries: DeliveryView[] }> }>(
    account.partner,
    `{ webhooks { id deliveries(first: 100) { id eventId eventType status attempts lastStatusCode lastError nextAttemptAt deliveredAt
        attemptLog { statusCode error durationMs } } } }`,
  );
  return data.webhooks.find((w) => w.id === webhookId)?.deliveries ?? [];
}

async function webhook(account: TestAccount, path: string, events: string[] = ['inquiry.*']) {
  const data = await h.ok<CreatedWebhook>(account.partner, CREATE_WEBHOOK, {
    url: `${receiver.url}${path}`,
    events,
  });
  return data.createWebhook;
}

describe('webhook deliveries', () => {
  it('POSTs the event as JSON with a signature the reference verifier accepts', async () => {
    receiver.on('/signed', [200]);
    const hook = await webhook(acme, '/signed');
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const inquiry = await h.createInquiry(acme.partner, { templateId, referenceId: 'signed-1' });
    const request = await eventually(() => receiver.at('/signed')[0], { what: 'the webhook request' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(
      verifySignature(
        hook.secret,
        request.headers['attestor-signature'] as string,
        request.body,
        clock.now(),
      ),
    ).toBe(true);
    // The verifier is not a rubber stamp: another body, secret or an old timestamp fail.
    expect(
      verifySignature(
        hook.secret,
        request.headers['attestor-signature'] as string,
        `${request.body} `,
        clock.now(),
      ),
    ).toBe(false);
    expect(
      verifySignature(
        'whsec_other',
        request.headers['attestor-signature'] as string,
        request.body,
        clock.now(),
      ),
    ).toBe(false);
    expect(
      verifySignature(
        hook.secret,
        request.headers['attestor-signature'] as string,
        request.body,
        new Date(clock.now().getTime() + 3_600_000),
      ),
    ).toBe(false);

    const body = JSON.parse(request.body) as {
      id: string;
      type: string;
      createdAt: string;
      data: Record<string, unknown>;
    };
    expect(body).toEqual({
      id: expect.any(String),
      type: 'inquiry.created',
      createdAt: expect.any(String),
      data: {
        inquiryId: inquiry.id,
        templateId,
        referenceId: 'signed-1',
        steps: ['PHONE_OTP'],
        status: 'CREATED',
      },
    });
    expect(request.headers['attestor-event-id']).toBe(body.id);
    expect(request.headers['attestor-event-type']).toBe('inquiry.created');
    expect(body.id).toBe(h.eventsOf(inquiry.id, 'inquiry.created')[0]?.id);

    const [delivery] = await eventually(
      async () => {
        const list = await deliveries(acme, hook.id);
        return list[0]?.status === 'DELIVERED' ? list : undefined;
      },
      { what: 'the delivery marked DELIVERED' },
    );
    expect(delivery).toMatchObject({
      eventId: body.id,
      eventType: 'inquiry.created',
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(delivery?.attemptLog).toEqual([{ statusCode: 200, error: null, durationMs: expect.any(Number) }]);
    const listed = await h.ok<{ webhooks: Array<{ id: string; secret: string | null }> }>(
      acme.partner,
      `{ webhooks { id secret } }`,
    );
    expect(listed.webhooks.find((w) => w.id === hook.id)?.secret).toBeNull();
  });

  it('sends only the subscribed events, and only the account’s own', async () => {
    receiver.on('/approved-only', [200]);
    receiver.on('/someone-else', [200]);
    const hook = await webhook(acme, '/approved-only', ['inquiry.approved']);
    const stranger = await h.createAccount('Stranger');
    const strangerHook = await webhook(stranger, '/someone-else');
    const inquiry = await h.createInquiry(acme.partner, { templateId });
    const phone = { inquiryId: inquiry.id, countryCode: 'US', channel: 'SMS' as const };
    await h.publish('phone.verification.started', {
      accountId: acme.accountId,
      subjectId: 'pv',
      data: phone,
    });
    await h.publish('phone.verification.approved', {
      accountId: acme.accountId,
      subjectId: 'pv',
      data: { ...phone, phoneNumberSealed: h.service.deps.pii.seal('+14155550123') },
    });
    const request = await eventually(() => receiver.at('/approved-only')[0], { what: 'the approved event' });
    expect(JSON.parse(request.body)).toMatchObject({
      type: 'inquiry.approved',
      data: { inquiryId: inquiry.id, toStatus: 'APPROVED' },
    });
    await eventually(async () => (await deliveries(acme, hook.id))[0]?.status === 'DELIVERED');
    expect((await deliveries(acme, hook.id)).map((d) => d.eventType)).toEqual(['inquiry.approved']);
    expect(await deliveries(stranger, strangerHook.id)).toEqual([]);
    expect(receiver.at('/someone-else')).toEqual([]);
  });

  it('retries on 500 with backoff, then succeeds', async () => {
    receiver.on('/flaky', [500, 503, 200]);
    const hook = await webhook(acme, '/flaky');
    await h.createInquiry(acme.partner, { templateId });
    const waitForAttempts = (n: number) =>
      eventually(
        async () => {
          const [d] = await deliveries(acme, hook.id);
          return d && d.attempts === n ? d : undefined;
        },
        { what: `${n} attempts` },
      );
    const first = await waitForAttempts(1);
    expect(first).toMatchObject({ status: 'PENDING', lastStatusCode: 500, lastError: 'HTTP 500' });
    const firstDelay = new Date(first.nextAttemptAt ?? 0).getTime() - clock.now().getTime();
    expect(firstDelay).toBeGreaterThan(20_000);
    expect(firstDelay).toBeLessThanOrEqual(30_000);
    clock.advanceTo(new Date(first.nextAttemptAt ?? 0));
    const second = await waitForAttempts(2);
    expect(second).toMatchObject({ status: 'PENDING', lastStatusCode: 503 });
    clock.advanceTo(new Date(second.nextAttemptAt ?? 0));
    const third = await waitForAttempts(3);
    expect(third).toMatchObject({
      status: 'DELIVERED',
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(third.attemptLog.map((a) => a.statusCode)).toEqual([500, 503, 200]);
    expect(new Set(receiver.at('/flaky').map((r) => r.headers['attestor-event-id'])).size).toBe(1);
  });

  it('records a refused connection as an error without a status code', async () => {
    const hook = await h.ok<CreatedWebhook>(acme.partner, CREATE_WEBHOOK, {
      url: 'http://127.0.0.1:9/closed',
      events: ['inquiry.created'],
    });
    await h.createInquiry(acme.partner, { templateId });
    const [delivery] = await eventually(async () => {
      const list = await deliveries(acme, hook.createWebhook.id);
      return list[0]?.attempts === 1 ? list : undefined;
    });
    expect(delivery).toMatchObject({
      status: 'PENDING',
      lastStatusCode: null,
      lastError: 'connection refused',
    });
    expect(delivery?.attemptLog).toEqual([
      { statusCode: null, error: 'connection refused', durationMs: expect.any(Number) },
    ]);
    await h.ok(acme.partner, `mutation ($id: ID!) { deleteWebhook(id: $id) { id } }`, {
      id: hook.createWebhook.id,
    });
  });

  it('replays a delivery now, whatever its status', async () => {
    receiver.on('/replay', [200]);
    const hook = await webhook(acme, '/replay', ['inquiry.created']);
    await h.createInquiry(acme.partner, { templateId });
    const [delivered] = await eventually(async () => {
      const list = await deliveries(acme, hook.id);
      return list[0]?.status === 'DELIVERED' ? list : undefined;
    });
    const REPLAY = `mutation ($id: ID!) { replayWebhookDelivery(id: $id) { id status attempts nextAttemptAt } }`;
    const replayed = await h.ok<{ replayWebhookDelivery: { status: string; attempts: number } }>(
      acme.partner,
      REPLAY,
      { id: delivered?.id },
    );
    expect(replayed.replayWebhookDelivery).toMatchObject({ status: 'PENDING', attempts: 1 });
    await eventually(() => receiver.at('/replay').length === 2, { what: 'the replayed request' });
    const [first, second] = receiver.at('/replay');
    expect(second?.headers['attestor-event-id']).toBe(first?.headers['attestor-event-id']);
    expect(second?.body).toBe(first?.body);
    await eventually(async () => {
      const [d] = await deliveries(acme, hook.id);
      return d?.status === 'DELIVERED' && d.attempts === 2;
    });
    for (const id of ['0192f1a0-0000-7000-8000-000000000000', 'nope']) {
      expect(codes(await h.gql(acme.partner, REPLAY, { id }))).toEqual(['NOT_FOUND']);
    }
  });

  it('keeps a hanging endpoint from holding up another account’s deliveries or the inquiry flow', async () => {
    receiver.on('/hang', 'hang');
    receiver.on('/prompt', [200]);
    const slow = await h.createAccount('Slow');
    const slowTemplate = await h.createTemplate(slow.partner, { steps: ['PHONE_OTP'] });
    await webhook(slow, '/hang');
    const slowInquiries: string[] = [];
    for (let i = 0; i < 6; i += 1)
      slowInquiries.push((await h.createInquiry(slow.partner, { templateId: slowTemplate })).id);
    await eventually(() => receiver.hangingCount === 2, { what: 'two requests hanging' });

    const quick = await h.createAccount('Quick');
    const quickTemplate = await h.createTemplate(quick.partner, { steps: ['PHONE_OTP'] });
    const quickHook = await webhook(quick, '/prompt');
    await h.createInquiry(quick.partner, { templateId: quickTemplate });
    await eventually(async () => (await deliveries(quick, quickHook.id))[0]?.status === 'DELIVERED', {
      what: 'the other account delivered',
    });

    // The slow account's own inquiries still move on.
    const [first] = slowInquiries;
    await h.publish('phone.verification.started', {
      accountId: slow.accountId,
      subjectId: 'pv',
      data: { inquiryId: first ?? '', countryCode: 'US', channel: 'SMS' },
    });
    await eventually(
      async () =>
        (await h.sql<{ status: string }>(`SELECT status FROM $schema.inquiries WHERE id = $1`, [first]))[0]
          ?.status === 'PENDING',
    );
    // At most two requests in flight to the hanging endpoint; the rest wait their turn.
    expect(receiver.hangingCount).toBe(2);
    expect(receiver.at('/hang')).toHaveLength(2);
  });
});

describe('webhook registration', () => {
  it.each([
    ['ftp://example.com/hook', ['inquiry.*'], 'url'],
    ['not a url', ['inquiry.*'], 'url'],
    [`https://example.com/${'x'.repeat(2040)}`, ['inquiry.*'], 'url'],
    ['https://example.com/hook', [], 'events'],
    ['https://example.com/hook', ['phone.verification.started'], 'events'],
    ['https://example.com/hook', ['inquiry.api-key.revoked'], 'events'],
  ])('refuses %s %j with BAD_USER_INPUT', async (url, events, field) => {
    const result = await h.gql(acme.partner, CREATE_WEBHOOK, { url, events });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.extensions?.['field']).toBe(field);
  });

  it('allows 20 webhooks per account and answers CONFLICT for the 21st', async () => {
    const many = await h.createAccount('Many');
    const results = await Promise.all(
      Array.from({ length: 21 }, (_, i) =>
        h.gql(many.partner, CREATE_WEBHOOK, {
          url: `https://93.184.216.34/hook/${i}`,
          events: ['inquiry.*'],
        }),
      ),
    );
    expect(results.filter((r) => r.errors === undefined)).toHaveLength(20);
    expect(results.flatMap((r) => codes(r))).toEqual(['CONFLICT']);
  });

  it('deletes a webhook with its deliveries; NOT_FOUND for unknown ids', async () => {
    receiver.on('/deleted', [500]);
    const hook = await webhook(acme, '/deleted', ['inquiry.created']);
    await h.createInquiry(acme.partner, { templateId });
    await eventually(async () => (await deliveries(acme, hook.id))[0]?.attempts === 1);
    const DELETE = `mutation ($id: ID!) { deleteWebhook(id: $id) { id url } }`;
    const deleted = await h.ok<{ deleteWebhook: { id: string } }>(acme.partner, DELETE, { id: hook.id });
    expect(deleted.deleteWebhook.id).toBe(hook.id);
    const [left] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM $schema.webhook_deliveries WHERE webhook_id = $1`,
      [hook.id],
    );
    expect(left?.n).toBe(0);
    expect(codes(await h.gql(acme.partner, DELETE, { id: hook.id }))).toEqual(['NOT_FOUND']);
    expect(codes(await h.gql(acme.partner, DELETE, { id: 'nope' }))).toEqual(['NOT_FOUND']);
  });

  it('refuses a page size outside 1–100 for deliveries', async () => {
    const result = await h.gql(acme.partner, `{ webhooks { deliveries(first: 0) { id } } }`);
    expect(codes(result)).toContain('BAD_USER_INPUT');
  });
});

describe('private addresses', () => {
  let strict: Harness;
  let account: TestAccount;
  beforeAll(async () => {
    strict = await startHarness({ overrides: { WEBHOOK_ALLOW_PRIVATE: 'false' } });
    account = await strict.createAccount('Strict');
  });
  afterAll(async () => {
    await strict?.stop();
  });

  it.each([
    'http://127.0.0.1/hook',
    'http://localhost:8080/hook',
    'http://[::1]/hook',
    'http://10.0.0.5/hook',
    'https://192.168.1.20/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::ffff:127.0.0.1]/hook',
    'http://0.0.0.0/hook',
  ])('refuses %s with BAD_USER_INPUT', async (url) => {
    const result = await strict.gql(account.partner, CREATE_WEBHOOK, { url, events: ['inquiry.*'] });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.extensions?.['field']).toBe('url');
  });

  it('accepts a public address', async () => {
    const data = await strict.ok<CreatedWebhook>(account.partner, CREATE_WEBHOOK, {
      url: 'https://93.184.216.34/hook',
      events: ['inquiry.*'],
    });
    expect(data.createWebhook.url).toBe('https://93.184.216.34/hook');
  });

  it('refuses at send time a host that now points inward (DNS rebinding)', async () => {
    receiver.on('/rebound', [200]);
    const data = await strict.ok<CreatedWebhook>(account.partner, CREATE_WEBHOOK, {
      url: 'https://93.184.216.34/rebound',
      events: ['inquiry.created'],
    });
    const port = new URL(receiver.url).port;
    // As if the registered name now resolved to loopback: the sender must not connect.
    await strict.sql(`UPDATE $schema.webhooks SET url = $2 WHERE id = $1`, [
      data.createWebhook.id,
      `http://localhost:${port}/rebound`,
    ]);
    const t = await strict.createTemplate(account.partner, { steps: ['PHONE_OTP'] });
    await strict.createInquiry(account.partner, { templateId: t });
    const [row] = await eventually(
      async () => {
        const rows = await strict.sql<{ attempts: number; last_error: string }>(
          `SELECT attempts, last_error FROM $schema.webhook_deliveries WHERE webhook_id = $1`,
          [data.createWebhook.id],
        );
        return rows[0]?.attempts === 1 ? rows : undefined;
      },
      { what: 'the refused attempt' },
    );
    expect(row?.last_error).toMatch(/refused: .*private address/);
    expect(receiver.at('/rebound')).toEqual([]);
  });
});
