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
