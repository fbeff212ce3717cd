import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { eventually } from '@attestor/platform/testing';
import { newAccount as createAccount, watch } from './support/flow.js';
import { ADMIN_TOKEN, latestCode, seedNumber, startPlatform, type Platform } from './support/platform.js';

let platform: Platform;
const clients: Client[] = [];

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await platform?.stop();
});

const newAccount = (name: string) => createAccount(platform.gql, ADMIN_TOKEN, name);

async function newInquiry(apiKey: string, phone: string): Promise<{ id: string; sessionToken: string }> {
  const template = await platform.gql<{ createInquiryTemplate: { id: string } }>(
    apiKey,
    'mutation { createInquiryTemplate(input: { name: "Phone only", steps: [PHONE_OTP] }) { id } }',
  );
  const created = await platform.gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
    apiKey,
    `mutation($t: ID!) { createInquiry(input: { templateId: $t, fields: { nameFirst: "Ann", nameLast: "Lee", phoneNumber: "${phone}" } }) { inquiry { id } sessionToken } }`,
    { t: template.data!.createInquiryTemplate.id },
  );
  return {
    id: created.data!.createInquiry.inquiry.id,
    sessionToken: created.data!.createInquiry.sessionToken,
  };
}

const WATCH = `subscription($id: ID!) { inquiryUpdated(id: $id) { id status phoneVerifications { status } } }`;

describe('inquiryUpdated over graphql-ws', () => {
  it('sends the current state, then CREATED → PENDING → COMPLETED → APPROVED in order, each with a phone-subgraph field', async () => {
    const apiKey = await newAccount('Watcher Co');
    const phone = '+14155550177';
    const inquiry = await newInquiry(apiKey, phone);
    const client = platform.ws(apiKey);
    clients.push(client);
    const subscription = watch(client, WATCH, { id: inquiry.id });
    await eventually(() => subscription.messages.length >= 1, { what: 'the current state' });

    const started = await platform.gql<{ startPhoneVerification: { verification: { id: string } } }>(
      inquiry.sessionToken,
      `mutation($id: ID!) { startPhoneVerification(inquiryId: $id, phoneNumber: "${phone}") { verification { id } } }`,
      { id: inquiry.id },
    );
    const verificationId = started.data!.startPhoneVerification.verification.id;
    await eventually(() => subscription.messages.length >= 2, { what: 'PENDING' });
    await platform.gql(
      inquiry.sessionToken,
      `mutation($id: ID!, $code: String!) { checkPhoneVerification(verificationId: $id, code: $code) { status } }`,
      {
        id: verificationId,
        code: await latestCode(platform.emulator, phone),
      },
    );
    await eventually(() => subscription.messages.length >= 4, {
      timeoutMs: 20_000,
      what: 'COMPLETED and APPROVED',
    });

    type Message = {
      inquiryUpdated: { id: string; status: string; phoneVerifications: Array<{ status: string }> };
    };
    const updates = subscription.messages.map((m) => (m.data as Message).inquiryUpdated);
    expect(subscription.messages.every((m) => m.errors === undefined)).toBe(true);
    expect(updates.map((u) => u.status)).toEqual(['CREATED', 'PENDING', 'COMPLETED', 'APPROVED']);
    expect(updates.every((u) => u.id === inquiry.id)).toBe(true);
    // A field resolved by the phone subgraph in every message.
    expect(updates.map((u) => u.phoneVerifications.map((v) => v.status))).toEqual([
      [],
      ['PENDING'],
      ['APPROVED'],
      ['APPROVED'],
    ]);
    subscription.unsubscribe();
  });

  it('answers NOT_FOUND to a client of another account, and to an unknown id', async () => {
    const owner = await newAccount('Owner Inc');
    const other = await newAccount('Other Inc');
    const inquiry = await newInquiry(owner, '+14155550178');
    const client = platform.ws(other);
    clients.push(client);
    for (const id of [inquiry.id, '0193a1b2-0000-7000-8000-000000000000', 'not-a-uuid']) {
      const subscription = watch(client, WATCH, { id });
      await eventually(() => subscription.done(), { what: 'the refusal' });
      const codes = [
        ...subscription.messages.flatMap((m) => m.errors ?? []),
        ...((subscription.error() as Array<{ extensions?: unknown }> | undefined) ?? []),
      ].map((e) => (e as { extensions?: { code?: string } }).extensions?.code);
      expect(codes).toEqual(['NOT_FOUND']);
      expect(
        subscription.messages.some((m) => m.data && (m.data as { inquiryUpdated?: unknown }).inquiryUpdated),
      ).toBe(false);
    }
  });

  it('lets a session token watch its own inquiry only', async () => {
    const apiKey = await newAccount('Session Ltd');
    const mine = await newInquiry(apiKey, '+14155550179');
    const theirs = await newInquiry(apiKey, '+14155550180');
    const client = platform.ws(mine.sessionToken);
    clients.push(client);
    const own = watch(client, WATCH, { id: mine.id });
    await eventually(() => own.messages.length >= 1, { what: 'own inquiry' });
    expect((own.messages[0]?.data as { inquiryUpdated: { id: string } }).inquiryUpdated.id).toBe(mine.id);
    own.unsubscribe();
    const foreign = watch(client, WATCH, { id: theirs.id });
    await eventually(() => foreign.done(), { what: 'refusal' });
    expect(foreign.messages.flatMap((m) => m.errors ?? []).map((e) => e.extensions?.['code'])).toEqual([
      'NOT_FOUND',
    ]);
  });

  it('refuses a socket without valid credentials', async () => {
    for (const token of ['sk_not-a-key', 'garbage']) {
      const client = platform.ws(token);
      clients.push(client);
      const subscription = watch(client, WATCH, { id: '0193a1b2-0000-7000-8000-000000000000' });
      await eventually(() => subscription.done(), { what: 'the socket closed' });
      expect((subscription.error() as { code?: number } | undefined)?.code).toBe(4403);
    }
  });

  it('releases the NATS subscription when the client ends it and when the socket closes', async () => {
    const apiKey = await newAccount('Release Co');
    const inquiry = await newInquiry(apiKey, '+14155550181');
    const before = platform.gateway.activeSubscriptions();
    const client = platform.ws(apiKey);
    const first = watch(client, WATCH, { id: inquiry.id });
    const second = watch(client, WATCH, { id: inquiry.id });
    await eventually(() => first.messages.length > 0 && second.messages.length > 0, {
      what: 'both subscribed',
    });
    expect(platform.gateway.activeSubscriptions()).toBe(before + 2);
    first.unsubscribe();
    await eventually(() => platform.gateway.activeSubscriptions() === before + 1, { what: 'one released' });
    await client.dispose();
    await eventually(() => platform.gateway.activeSubscriptions() === before, {
      what: 'socket closed, all released',
    });
  });
});

const WATCH_ACCOUNT = `subscription { inquiriesUpdated { id status referenceId } }`;

describe('inquiriesUpdated over graphql-ws (the dashboard live list)', () => {
  it("delivers every change of the account's inquiries, and none of another account's", async () => {
    const apiKey = await newAccount('Dashboard Co');
    const otherKey = await newAccount('Someone Else');
    const client = platform.ws(apiKey);
    clients.push(client);
    const subscription = watch(client, WATCH_ACCOUNT, {});
    // The feed sends nothing until something happens; give the server a moment to hold the subscription.
    await new Promise((resolve) => setTimeout(resolve, 200));

    // A number whose carrier score is low, so the phone step starts (unseeded numbers get a derived score).
    await seedNumber(platform.emulator, { phoneNumber: '+14155550178', smsPumpingRiskScore: 3 });
    const mine = await newInquiry(apiKey, '+14155550178');
    const theirs = await newInquiry(otherKey, '+14155550179');
    await eventually(() => subscription.messages.length >= 1, { what: 'the new inquiry' });
    await platform.gql(
      mine.sessionToken,
      `mutation($id: ID!) { startPhoneVerification(inquiryId: $id, phoneNumber: "+14155550178") { verification { id } } }`,
      { id: mine.id },
    );
    await eventually(() => subscription.messages.length >= 2, { what: 'the inquiry going PENDING' });

    type Message = { inquiriesUpdated: { id: string; status: string } };
    const updates = subscription.messages.map((m) => (m.data as Message).inquiriesUpdated);
    expect(subscription.messages.every((m) => m.errors === undefined)).toBe(true);
    expect(updates.map((u) => [u.id, u.status])).toEqual([
      [mine.id, 'CREATED'],
      [mine.id, 'PENDING'],
    ]);
    expect(updates.some((u) => u.id === theirs.id)).toBe(false);
  });

  it('refuses a session token (it follows one inquiry only)', async () => {
    const apiKey = await newAccount('Session Co');
    const inquiry = await newInquiry(apiKey, '+14155550180');
    const client = platform.ws(inquiry.sessionToken);
    clients.push(client);
    const subscription = watch(client, WATCH_ACCOUNT, {});
    await eventually(() => subscription.done(), { what: 'the refusal' });
    expect(JSON.stringify(subscription.error() ?? subscription.messages)).toContain('FORBIDDEN');
  });
});
