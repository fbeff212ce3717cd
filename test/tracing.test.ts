import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@attestor/platform/testing';
import { ADMIN_TOKEN, latestCode, seedNumber, startPlatform, type Platform } from './support/platform.js';

/**
 * OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, one trace runs from the gateway through the
 * subgraph it calls, the rpc ask the subgraph makes, and — through the outbox row and the NATS
 * headers — the consumer in another service that handles the event the request published.
 */
interface ExportedSpan {
  attributes?: unknown;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

const spans: ExportedSpan[] = [];
let collector: Server;
let platform: Platform;

beforeAll(async () => {
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const parsed = JSON.parse(body) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }>;
        };
        for (const resource of parsed.resourceSpans)
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  platform = await startPlatform({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
});
let stopped = false;
afterAll(async () => {
  if (!stopped) await platform?.stop();
  await new Promise((resolve) => collector?.close(resolve));
});

describe('traces', () => {
  it('follow one request from the gateway through subgraphs, an rpc ask and the outbox to another service', async () => {
    const created = await platform.gql<{ createAccount: { apiKey: string } }>(
      ADMIN_TOKEN,
      'mutation { createAccount(name: "Traced") { apiKey } }',
    );
    const key = created.data!.createAccount.apiKey;
    const template = await platform.gql<{ createInquiryTemplate: { id: string } }>(
      key,
      'mutation { createInquiryTemplate(input: { name: "P", steps: [PHONE_OTP] }) { id } }',
    );
    const phone = '+14155550172';
    await seedNumber(platform.emulator, { phoneNumber: phone, lineType: 'mobile', smsPumpingRiskScore: 2 });
    const inquiry = await platform.gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
      key,
      `mutation($t: ID!) { createInquiry(input: { templateId: $t }) { inquiry { id } sessionToken } }`,
      { t: template.data!.createInquiryTemplate.id },
    );
    const started = await platform.gql<{ startPhoneVerification: { verification: { status: string } } }>(
      inquiry.data!.createInquiry.sessionToken,
      `mutation($i: ID!) { startPhoneVerification(inquiryId: $i, phoneNumber: "${phone}") { verification { status } } }`,
      { i: inquiry.data!.createInquiry.inquiry.id },
    );
    expect(started.data?.startPhoneVerification.verification.status, JSON.stringify(started)).toBe('PENDING');
    await latestCode(platform.emulator, phone);
    // The inquiry service consumes phone.verification.started: wait for its span before stopping.
    await eventually(() => spans.some((span) => span.name === 'consume phone.verification.started'), {
      timeoutMs: 20_000,
      what: 'the consumer span to be exported',
    }).catch(() => undefined);
    await platform.stop();
    stopped = true;

    const consumed = spans.find((span) => span.name === 'consume phone.verification.started');
    expect(consumed, `spans seen: ${[...new Set(spans.map((s) => s.name))].join(', ')}`).toBeDefined();
    const traced = spans.filter((span) => span.traceId === consumed!.traceId);
    const trace = traced.map((span) => span.name);
    // Connected, not merely sharing an id: every span but the root has its parent in the trace.
    const ids = new Set(traced.map((span) => span.spanId));
    const orphans = traced.filter(
      (span) => span.name !== 'gateway request' && !ids.has(span.parentSpanId ?? ''),
    );
    expect(orphans.map((span) => span.name)).toEqual([]);
    const parentOf = (name: string) =>
      traced.find((span) => span.spanId === traced.find((s) => s.name === name)?.parentSpanId)?.name;
    expect(parentOf('subgraph phone')).toBe('subgraph fetch');
    expect(parentOf('answer rpc.fraud.assess')).toBe('rpc rpc.fraud.assess');
    expect(trace).toEqual(
      expect.arrayContaining([
        'gateway request',
        'subgraph phone',
        'rpc rpc.fraud.assess',
        'answer rpc.fraud.assess',
        'consume phone.verification.started',
        'twilio verify',
        'twilio lookups',
      ]),
    );
    // Traces leave the process: no phone number in any span (Lookup's path holds one).
    expect(JSON.stringify(spans)).not.toContain(phone.slice(2));
    expect(parentOf('twilio verify')).toBe('subgraph phone');
  }, 60_000);
});
