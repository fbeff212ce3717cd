import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@attestor/platform/testing';
import { ADMIN_TOKEN, latestCode, seedNumber, startPlatform, type Platform } from './support/platform.js';

/** /metrics on every service: the series docs/operations.md documents, moving as the platform works. */
let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

const base = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '');

/** The value of one series (labels given as `name="value"` fragments), or undefined. */
function value(text: string, metric: string, ...labels: string[]): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (labels.every((label) => line.includes(label))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

describe('/metrics', () => {
  it('counts operations, errors, events, rpc asks and outbox state, labelled by service', async () => {
    const created = await platform.gql<{ createAccount: { apiKey: string } }>(
      ADMIN_TOKEN,
      'mutation Metrics { createAccount(name: "Metrics") { apiKey } }',
    );
    const key = created.data!.createAccount.apiKey;
    const template = await platform.gql<{ createInquiryTemplate: { id: string } }>(
      key,
      'mutation { createInquiryTemplate(input: { name: "P", steps: [PHONE_OTP] }) { id } }',
    );
    const phone = '+14155550171';
    await seedNumber(platform.emulator, { phoneNumber: phone, lineType: 'mobile', smsPumpingRiskScore: 2 });
    const inquiry = await platform.gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
      key,
      `mutation($t: ID!) { createInquiry(input: { templateId: $t }) { inquiry { id } sessionToken } }`,
      { t: template.data!.createInquiryTemplate.id },
    );
    const { sessionToken } = inquiry.data!.createInquiry;
    const started = await platform.gql<{ startPhoneVerification: { verification: { id: string } } }>(
      sessionToken,
      `mutation($i: ID!) { startPhoneVerification(inquiryId: $i, phoneNumber: "${phone}") { verification { id } } }`,
      { i: inquiry.data!.createInquiry.inquiry.id },
    );
    await platform.gql(
      sessionToken,
      `mutation($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }`,
      {
        v: started.data!.startPhoneVerification.verification.id,
        c: await latestCode(platform.emulator, phone),
      },
    );
    await platform.gql(key, '{ inquiry(id: "not-a-uuid") { id } nope }');

    const gateway = await scrape(`http://127.0.0.1:${platform.gateway.port}/metrics`);
    expect(
      value(
        gateway,
        'attestor_graphql_requests_total',
        'service="gateway"',
        'operation="Metrics"',
        'outcome="ok"',
      ),
    ).toBe(1);
    expect(
      value(gateway, 'attestor_graphql_errors_total', 'service="gateway"', 'code="BAD_USER_INPUT"'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(
        gateway,
        'attestor_rpc_duration_seconds_count',
        'subject="rpc.inquiry.credentials.resolve"',
        'outcome="ok"',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(gateway).toContain('attestor_subscriptions_active{service="gateway"} 0');
    expect(gateway).toMatch(/attestor_websockets_open\{service="gateway"\} \d+/);
    expect(gateway).toContain('process_cpu_user_seconds_total{service="gateway"}');

    const phoneMetrics = await scrape(`${base(platform.services.phone.url)}/metrics`);
    expect(
      value(
        phoneMetrics,
        'attestor_rpc_duration_seconds_count',
        'service="phone"',
        'subject="rpc.fraud.assess"',
        'outcome="ok"',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(phoneMetrics, 'attestor_db_pool_connections', 'service="phone"', 'state="total"'),
    ).toBeGreaterThanOrEqual(1);
    const inquiryMetrics = await eventually(
      async () => {
        const text = await scrape(`${base(platform.services.inquiry.url)}/metrics`);
        return (
          (value(
            text,
            'attestor_events_handled_total',
            'consumer="inquiry-phone-events"',
            'outcome="handled"',
          ) ?? 0) >= 2 && text
        );
      },
      { what: 'the inquiry service to count the phone events it handled' },
    );
    expect(value(inquiryMetrics, 'attestor_outbox_unsent', 'service="inquiry"')).toBeGreaterThanOrEqual(0);
    expect(value(inquiryMetrics, 'attestor_parked_events', 'service="inquiry"')).toBe(0);
  });

  it('count SMS sent, blocked and challenged by country, and webhook attempts by outcome', async () => {
    const created = await platform.gql<{ createAccount: { apiKey: string } }>(
      ADMIN_TOKEN,
      'mutation { createAccount(name: "Metered SMS") { apiKey } }',
    );
    const key = created.data!.createAccount.apiKey;
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(String(req.headers['attestor-event-type']));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      await platform.gql(
        key,
        `mutation($u: String!) { createWebhook(url: $u, events: ["inquiry.*"]) { id } }`,
        {
          u: url,
        },
      );
      const template = await platform.gql<{ createInquiryTemplate: { id: string } }>(
        key,
        'mutation { createInquiryTemplate(input: { name: "P", steps: [PHONE_OTP] }) { id } }',
      );
      const start = async (phone: string, score: number) => {
        await seedNumber(platform.emulator, {
          phoneNumber: phone,
          lineType: 'mobile',
          smsPumpingRiskScore: score,
        });
        const inquiry = await platform.gql<{
          createInquiry: { inquiry: { id: string }; sessionToken: string };
        }>(
          key,
          `mutation($t: ID!) { createInquiry(input: { templateId: $t }) { inquiry { id } sessionToken } }`,
          {
            t: template.data!.createInquiryTemplate.id,
          },
        );
        const started = await platform.gql<{ startPhoneVerification: { verification: { status: string } } }>(
          inquiry.data!.createInquiry.sessionToken,
          `mutation($i: ID!) { startPhoneVerification(inquiryId: $i, phoneNumber: "${phone}") { verification { status } } }`,
          { i: inquiry.data!.createInquiry.inquiry.id },
        );
        return started.data?.startPhoneVerification.verification.status;
      };
      const before = await scrape(`${base(platform.services.phone.url)}/metrics`);
      const fraudBefore = await scrape(`${base(platform.services.fraud.url)}/metrics`);
      const count = (text: string, metric: string, ...labels: string[]) =>
        value(text, metric, ...labels) ?? 0;
      // Great Britain: its own country label, apart from the first test's US sends.
      expect(await start('+447400123456', 2)).toBe('PENDING');
      expect(await start('+447400123457', 95)).toBe('BLOCKED');
      expect(await start('+447400123458', 70)).toBe('CHALLENGED');
      const after = await scrape(`${base(platform.services.phone.url)}/metrics`);
      for (const [metric, labels] of [
        ['attestor_sms_sent_total', ['country="GB"', 'channel="sms"']],
        ['attestor_sms_blocked_total', ['country="GB"', 'reason="SMS_PUMPING_RISK_HIGH"']],
        ['attestor_sms_challenged_total', ['country="GB"']],
      ] as const) {
        expect(count(after, metric, ...labels) - count(before, metric, ...labels), metric).toBe(1);
      }
      const fraudAfter = await scrape(`${base(platform.services.fraud.url)}/metrics`);
      for (const decision of ['ALLOW', 'BLOCK', 'CHALLENGE']) {
        const series = [
          'attestor_fraud_assessments_total',
          'service="fraud"',
          `decision="${decision}"`,
        ] as const;
        expect(count(fraudAfter, ...series) - count(fraudBefore, ...series), decision).toBe(1);
        const timed = ['attestor_fraud_assess_duration_seconds_count', `decision="${decision}"`] as const;
        expect(count(fraudAfter, ...timed) - count(fraudBefore, ...timed), decision).toBe(1);
      }
      await eventually(() => received.length >= 3, { what: 'the webhooks of the three inquiries' });
      const inquiryMetrics = await eventually(
        async () => {
          const text = await scrape(`${base(platform.services.inquiry.url)}/metrics`);
          return (value(text, 'attestor_webhook_attempts_total', 'outcome="delivered"') ?? 0) >= 3 && text;
        },
        { what: 'the inquiry service to count the delivered webhooks' },
      );
      expect(value(inquiryMetrics, 'attestor_webhook_attempts_total', 'outcome="failed"') ?? 0).toBe(0);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('show the fraud breakers open now per scope from the database, whichever replica opened them', async () => {
    const fraudMetrics = () => scrape(`${base(platform.services.fraud.url)}/metrics`);
    const open = (text: string, scope: string) =>
      value(text, 'attestor_fraud_breakers_open', 'service="fraud"', `scope="${scope}"`);
    const before = await fraudMetrics();
    for (const scope of ['COUNTRY', 'PREFIX', 'IP', 'ACCOUNT'])
      expect(open(before, scope)).toBeGreaterThanOrEqual(0);
    // Rows as another instance would have written them: one acting, one cooled, one closed.
    const now = Date.now();
    const row = (closesInMs: number, closed: boolean) => [
      randomUUID(),
      `acc_metrics_${randomUUID().slice(0, 8)}`,
      new Date(now - 60_000),
      new Date(now + closesInMs),
      closed ? new Date(now) : null,
    ];
    for (const params of [row(3_600_000, false), row(-1000, false), row(3_600_000, true)]) {
      await platform.sql(
        'fraud',
        `INSERT INTO $schema.breakers (id, account_id, scope, key, label, reason, unverified_sends, threshold, opened_at, closes_at, closed_at)
         VALUES ($1, $2, 'COUNTRY', 'UZ', 'UZ', 'test', 3, 1, $3, $4, $5)`,
        params,
      );
    }
    const after = await fraudMetrics();
    expect((open(after, 'COUNTRY') ?? 0) - (open(before, 'COUNTRY') ?? 0)).toBe(1);
    expect(open(after, 'PREFIX')).toBe(open(before, 'PREFIX'));
  });

  it('with METRICS_PORT, serve /metrics only on that port: the public port answers it 404', async () => {
    const gateway = await platform.startGateway({ METRICS_PORT: '0' });
    try {
      expect(gateway.metricsPort).toBeGreaterThan(0);
      const publicPort = await fetch(`http://127.0.0.1:${gateway.port}/metrics`);
      expect(publicPort.status).toBe(404);
      const text = await scrape(`http://127.0.0.1:${gateway.metricsPort}/metrics`);
      expect(text).toContain('process_cpu_user_seconds_total{service="gateway"}');
      // The metrics port answers nothing else: not the API, not health.
      expect((await fetch(`http://127.0.0.1:${gateway.metricsPort}/graphql`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${gateway.port}/health`)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });
});
