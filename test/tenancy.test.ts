import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@attestor/platform/testing';
import { ADMIN_TOKEN, latestCode, seedNumber, startPlatform, type Platform } from './support/platform.js';

/**
 * Tenant isolation through the gateway: every operation of the supergraph that takes an id, called by
 * account B with account A's ids, must answer exactly as it answers for an id that does not exist —
 * and leave A's data as it was. Then redaction of A's inquiry must reach every service.
 */
let platform: Platform;
let receiver: Server;
let receiverUrl: string;
const PHONE = '+14155550190';
const UNKNOWN = '0193a1b2-0000-7000-8000-00000000beef';

interface Owned {
  apiKey: string;
  keyId: string;
  templateId: string;
  inquiryId: string;
  verificationId: string;
  webhookId: string;
  deliveryId: string;
}
let a: Owned;
let bKey: string;

async function account(name: string) {
  const result = await platform.gql<{ createAccount: { apiKey: string } }>(
    ADMIN_TOKEN,
    'mutation($n: String!) { createAccount(name: $n) { apiKey } }',
    { n: name },
  );
  return result.data!.createAccount.apiKey;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  platform = await startPlatform();
  const { gql } = platform;

  const apiKey = await account('Tenant A');
  bKey = await account('Tenant B');
  const keys = await gql<{ apiKeys: Array<{ id: string }> }>(apiKey, '{ apiKeys { id } }');
  const webhook = await gql<{ createWebhook: { id: string } }>(
    apiKey,
    `mutation($u: String!) { createWebhook(url: $u, events: ["inquiry.*"]) { id } }`,
    { u: receiverUrl },
  );
  const template = await gql<{ createInquiryTemplate: { id: string } }>(
    apiKey,
    'mutation { createInquiryTemplate(input: { name: "T", steps: [PHONE_OTP, DATABASE_NAME_MATCH] }) { id } }',
  );
  await seedNumber(platform.emulator, {
    phoneNumber: PHONE,
    callerName: 'Maria Garcia',
    firstName: 'Maria',
    lastName: 'Garcia',
  });
  const inquiry = await gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
    apiKey,
    `mutation($t: ID!) { createInquiry(input: { templateId: $t, referenceId: "a-ref",
      fields: { nameFirst: "Maria", nameLast: "Garcia", birthdate: "1985-02-03", phoneNumber: "${PHONE}" } }) { inquiry { id } sessionToken } }`,
    { t: template.data!.createInquiryTemplate.id },
  );
  const { sessionToken } = inquiry.data!.createInquiry;
  const inquiryId = inquiry.data!.createInquiry.inquiry.id;
  const started = await gql<{ startPhoneVerification: { verification: { id: string } } }>(
    sessionToken,
    `mutation($i: ID!) { startPhoneVerification(inquiryId: $i, phoneNumber: "${PHONE}") { verification { id } } }`,
    { i: inquiryId },
  );
  const verificationId = started.data!.startPhoneVerification.verification.id;
  await gql(
    sessionToken,
    'mutation($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }',
    {
      v: verificationId,
      c: await latestCode(platform.emulator, PHONE),
    },
  );
  const deliveryId = await eventually(
    async () => {
      const result = await gql<{ webhooks: Array<{ deliveries: Array<{ id: string }> }> }>(
        apiKey,
        '{ webhooks { deliveries { id } } }',
      );
      return result.data?.webhooks[0]?.deliveries[0]?.id;
    },
    { what: 'a webhook delivery' },
  );
  await eventually(
    async () =>
      (await gql<{ inquiry: { status: string } }>(apiKey, '{ inquiry(id: "' + inquiryId + '") { status } }'))
        .data?.inquiry.status === 'APPROVED',
    { timeoutMs: 20_000, what: 'approved' },
  );
  a = {
    apiKey,
    keyId: keys.data!.apiKeys[0]!.id,
    templateId: template.data!.createInquiryTemplate.id,
    inquiryId,
    verificationId,
    webhookId: webhook.data!.createWebhook.id,
    deliveryId,
  };
});
afterAll(async () => {
  await platform?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** Each operation, with `$id` the id under test. */
const operations: Array<[string, string]> = [
  ['inquiry', 'query($id: ID!) { inquiry(id: $id) { id status fields { nameFirst } } }'],
  ['approveInquiry', 'mutation($id: ID!) { approveInquiry(id: $id, comment: "x") { id status } }'],
  ['declineInquiry', 'mutation($id: ID!) { declineInquiry(id: $id) { id status } }'],
  ['redactInquiry', 'mutation($id: ID!) { redactInquiry(id: $id) { id redactedAt } }'],
  ['createInquiry', 'mutation($id: ID!) { createInquiry(input: { templateId: $id }) { inquiry { id } } }'],
  ['revokeApiKey', 'mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }'],
  ['deleteWebhook', 'mutation($id: ID!) { deleteWebhook(id: $id) { id } }'],
  ['replayWebhookDelivery', 'mutation($id: ID!) { replayWebhookDelivery(id: $id) { id status } }'],
  [
    'startPhoneVerification',
    'mutation($id: ID!) { startPhoneVerification(inquiryId: $id, phoneNumber: "+14155550191") { verification { id } } }',
  ],
  [
    'checkPhoneVerification',
    'mutation($id: ID!) { checkPhoneVerification(verificationId: $id, code: "123456") { id status } }',
  ],
  ['resendPhoneVerification', 'mutation($id: ID!) { resendPhoneVerification(verificationId: $id) { id } }'],
  [
    'cancelPhoneVerification',
    'mutation($id: ID!) { cancelPhoneVerification(verificationId: $id) { id status } }',
  ],
];

function idFor(operation: string): string {
  switch (operation) {
    case 'createInquiry':
      return a.templateId;
    case 'revokeApiKey':
      return a.keyId;
    case 'deleteWebhook':
      return a.webhookId;
    case 'replayWebhookDelivery':
      return a.deliveryId;
    case 'checkPhoneVerification':
    case 'resendPhoneVerification':
    case 'cancelPhoneVerification':
      return a.verificationId;
    default:
      return a.inquiryId;
  }
}

describe('tenant isolation through the gateway', () => {
  it.each(operations)(
    '%s with another account’s id answers exactly like an unknown id',
    async (operation, query) => {
      const foreign = await platform.gql(bKey, query, { id: idFor(operation) });
      const unknown = await platform.gql(bKey, query, { id: UNKNOWN });
      expect(foreign).toEqual(unknown);
      expect(JSON.stringify(foreign)).not.toContain(idFor(operation));
      if (operation !== 'inquiry') expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    },
  );

  it('lists nothing of another account', async () => {
    const b = await platform.gql<{
      inquiries: { edges: unknown[] };
      webhooks: unknown[];
      apiKeys: Array<{ id: string }>;
    }>(bKey, '{ inquiries(referenceId: "a-ref") { edges { node { id } } } webhooks { id } apiKeys { id } }');
    expect(b.data?.inquiries.edges).toEqual([]);
    expect(b.data?.webhooks).toEqual([]);
    expect(b.data?.apiKeys.map((k) => k.id)).not.toContain(a.keyId);
  });

  it('left account A exactly as it was', async () => {
    const result = await platform.gql<{
      inquiry: { status: string; redactedAt: string | null; phoneVerifications: Array<{ status: string }> };
    }>(
      a.apiKey,
      'query($id: ID!) { inquiry(id: $id) { status redactedAt phoneVerifications { status } } webhooks { id } }',
      { id: a.inquiryId },
    );
    expect(result.data?.inquiry).toEqual({
      status: 'APPROVED',
      redactedAt: null,
      phoneVerifications: [{ status: 'APPROVED' }],
    });
    expect((result.data as unknown as { webhooks: unknown[] }).webhooks).toHaveLength(1);
  });
});

describe('redaction', () => {
  it('erases the inquiry’s PII at once and, through inquiry.redacted, in every other service', async () => {
    const redacted = await platform.gql<{
      redactInquiry: { redactedAt: string; status: string; fields: Record<string, unknown> };
    }>(
      a.apiKey,
      'mutation($id: ID!) { redactInquiry(id: $id) { redactedAt status fields { nameFirst nameLast birthdate phoneNumber } } }',
      { id: a.inquiryId },
    );
    expect(redacted.errors).toBeUndefined();
    expect(redacted.data?.redactInquiry).toMatchObject({
      status: 'APPROVED',
      fields: { nameFirst: null, nameLast: null, birthdate: null, phoneNumber: null },
    });
    expect(redacted.data?.redactInquiry.redactedAt).toEqual(expect.any(String));

    await eventually(
      async () => {
        const [phone] = await platform.sql<{
          phone_sealed: string | null;
          phone_hash: string | null;
          redacted_at: Date | null;
        }>(
          'phone',
          'SELECT phone_sealed, phone_hash, redacted_at FROM $schema.phone_verifications WHERE id = $1',
          [a.verificationId],
        );
        return phone?.phone_sealed === null && phone.phone_hash === null && phone.redacted_at !== null;
      },
      { what: 'phone erased' },
    );
    await eventually(
      async () => {
        const rows = await platform.sql<{ phone_hash: string | null }>(
          'fraud',
          'SELECT phone_hash FROM $schema.assessments WHERE inquiry_id = $1',
          [a.inquiryId],
        );
        return rows.length > 0 && rows.every((r) => r.phone_hash === null);
      },
      { what: 'fraud erased' },
    );
    await eventually(
      async () => {
        const rows = await platform.sql<{ redacted_at: Date | null }>(
          'identity',
          'SELECT redacted_at FROM $schema.database_verifications WHERE inquiry_id = $1',
          [a.inquiryId],
        );
        return rows.length === 1 && rows[0]!.redacted_at !== null;
      },
      { what: 'identity erased' },
    );
    const [inquiryRow] = await platform.sql('inquiry', 'SELECT * FROM $schema.inquiries WHERE id = $1', [
      a.inquiryId,
    ]);
    const text = JSON.stringify(inquiryRow);
    for (const value of ['Maria', 'Garcia', '1985-02-03', '4155550190']) expect(text).not.toContain(value);
  });

  it('is idempotent', async () => {
    const again = await platform.gql<{ redactInquiry: { redactedAt: string } }>(
      a.apiKey,
      'mutation($id: ID!) { redactInquiry(id: $id) { redactedAt } }',
      { id: a.inquiryId },
    );
    expect(again.errors).toBeUndefined();
    const events = await platform.sql(
      'inquiry',
      `SELECT 1 FROM $schema.outbox WHERE subject LIKE '%inquiry.redacted.%'`,
    );
    expect(events).toHaveLength(1);
  });
});
