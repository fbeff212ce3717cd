import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { eventually, TEST_NATS_URL } from '@attestor/platform/testing';
import { CuttableProxy } from './support/cuttable-proxy.js';
import { gqlAt, newAccount as createAccount, watch, wsAt } from './support/flow.js';
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

/** The codes and reasons of what a subscription ended with: an `error` message, or an errors-only `next`. */
function refusalOf(subscription: ReturnType<typeof watch>): Array<{ code: unknown; reason: unknown }> {
  const ended = subscription.error();
  const errors = (Array.isArray(ended) ? ended : (subscription.messages[0]?.errors ?? [])) as Array<{
    extensions?: { code?: unknown; reason?: unknown };
  }>;
  return errors.map((e) => ({ code: e.extensions?.code, reason: e.extensions?.reason }));
}

/** A gateway of its own whose NATS connection goes through a proxy the test can cut; stopped after `work`. */
async function behindCuttableNats(
  work: (gateway: { port: number }, proxy: CuttableProxy) => Promise<void>,
): Promise<void> {
  const proxy = new CuttableProxy(new URL(TEST_NATS_URL));
  await proxy.start();
  const gateway = await platform.startGateway({ NATS_URL: `nats://127.0.0.1:${proxy.port}` });
  try {
    await work(gateway, proxy);
  } finally {
    await gateway.stop();
    await proxy.close();
  }
}

describe('a gateway that loses NATS', () => {
  it('reads each followed inquiry again after it reconnects, so a change made meanwhile arrives', async () => {
    await behindCuttableNats(async (gateway, proxy) => {
      const apiKey = await newAccount('Reconnect Co');
      await seedNumber(platform.emulator, { phoneNumber: '+14155550184', smsPumpingRiskScore: 3 });
      const inquiry = await newInquiry(apiKey, '+14155550184');
      const client = wsAt(`http://127.0.0.1:${gateway.port}/graphql`, apiKey);
      clients.push(client);
      const subscription = watch(client, WATCH, { id: inquiry.id });
      await eventually(() => subscription.messages.length === 1, { what: 'the current state' });

      // The inquiry goes PENDING while this gateway is cut off from NATS: its event passes it by.
      const cut = proxy.outage(3000);
      const started = await platform.gql(
        inquiry.sessionToken,
        'mutation($id: ID!) { startPhoneVerification(inquiryId: $id, phoneNumber: "+14155550184") { verification { id } } }',
        { id: inquiry.id },
      );
      expect(started.errors).toBeUndefined();
      await cut;

      type Message = { inquiryUpdated: { status: string } };
      await eventually(() => subscription.messages.length >= 2, {
        what: 'the state after the reconnect',
        timeoutMs: 20_000,
      });
      expect(subscription.messages.map((m) => (m.data as Message).inquiryUpdated.status)).toEqual([
        'CREATED',
        'PENDING',
      ]);
    });
  }, 60_000);

  it('reads back the events of the outage for an account feed, so the inquiries that changed arrive', async () => {
    await behindCuttableNats(async (gateway, proxy) => {
      const apiKey = await newAccount('Reconnect Feed Co');
      const other = await newAccount('Bystander Co');
      await seedNumber(platform.emulator, {
        phoneNumber: '+14155550185',
        smsPumpingRiskScore: 3,
        lineType: 'mobile',
      });
      const inquiry = await newInquiry(apiKey, '+14155550185');
      const client = wsAt(`http://127.0.0.1:${gateway.port}/graphql`, apiKey);
      clients.push(client);
      const subscription = watch(client, WATCH_ACCOUNT, {});
      // The feed is live once it shows a change made after it opened.
      const before = await newInquiry(apiKey, '+14155550186');
      type Message = { inquiriesUpdated: { id: string; status: string } };
      const updates = () => subscription.messages.map((m) => (m.data as Message).inquiriesUpdated);
      await eventually(() => updates().some((u) => u.id === before.id), { what: 'the feed live' });
      const seen = updates().length;

      // While this gateway is cut off, the account's inquiry goes PENDING and another account's is made.
      const cut = proxy.outage(3000);
      const started = await platform.gql(
        inquiry.sessionToken,
        'mutation($id: ID!) { startPhoneVerification(inquiryId: $id, phoneNumber: "+14155550185") { verification { id } } }',
        { id: inquiry.id },
      );
      expect(started.errors).toBeUndefined();
      const bystander = await newInquiry(other, '+14155550187');
      await cut;

      await eventually(() => updates().some((u) => u.id === inquiry.id && u.status === 'PENDING'), {
        what: 'the change made during the outage',
        timeoutMs: 20_000,
      });
      const after = updates().slice(seen);
      expect(after.filter((u) => u.id === inquiry.id)).toEqual([
        { id: inquiry.id, status: 'PENDING', referenceId: null },
      ]);
      expect(after.some((u) => u.id === bystander.id)).toBe(false);
    });
  }, 60_000);
});

describe('hostile operations over graphql-ws', () => {
  /** 40 fragments, each spreading the next twice: 2 KB that expand to 2^40 selections. */
  const fragmentBomb = (id: string) =>
    `subscription { inquiryUpdated(id: "${id}") { ...F0 } } ` +
    Array.from({ length: 40 }, (_, i) => `fragment F${i} on Inquiry { id ...F${i + 1} ...F${i + 1} }`).join(
      ' ',
    ) +
    ' fragment F40 on Inquiry { id }';

  it('refuses what the HTTP endpoint refuses, with its codes and reasons, and the socket stays open', async () => {
    const apiKey = await newAccount('Hostile Socket Co');
    const inquiry = await newInquiry(apiKey, '+14155550182');
    const client = platform.ws(apiKey);
    clients.push(client);
    const hostile = {
      bomb: fragmentBomb(inquiry.id),
      nested: `subscription { inquiryUpdated(id: "${inquiry.id}") ${'{ id events '.repeat(30_000)}${'}'.repeat(30_001)} }`,
      aliases: `subscription { inquiryUpdated(id: "${inquiry.id}") { ${Array.from({ length: 51 }, (_, i) => `a${i}: id`).join(' ')} } }`,
    };
    const refused = Object.fromEntries(
      Object.entries(hostile).map(([name, query]) => [name, watch(client, query, {})]),
    );
    await eventually(() => Object.values(refused).every((s) => s.done()), { what: 'three refusals' });
    expect(refusalOf(refused['bomb']!)).toEqual(
      expect.arrayContaining([
        { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_DEEP' },
        { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX' },
      ]),
    );
    expect(refusalOf(refused['nested']!)).toEqual([{ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_TOKENS' }]);
    expect(refusalOf(refused['aliases']!)).toEqual([{ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_ALIASES' }]);

    // A refusal made while running the selection (a NUL in a variable) arrives as a coded message too.
    const nul = watch(client, 'subscription($id: ID!, $note: String) { inquiryUpdated(id: $id) { id } }', {
      id: inquiry.id,
      note: 'a\u0000b',
    });
    await eventually(() => nul.done(), { what: 'the NUL refusal' });
    expect(refusalOf(nul)).toEqual([{ code: 'BAD_USER_INPUT', reason: undefined }]);

    // The operation to run and its variables, as over HTTP (graphql-ws answered these without a code).
    const unnamed = watch(client, `subscription A { inquiryUpdated(id: "${inquiry.id}") { id } }`, {}, 'B');
    const several = watch(
      client,
      `subscription A { inquiryUpdated(id: "${inquiry.id}") { id } } subscription B { inquiriesUpdated { id } }`,
      {},
    );
    const missing = watch(client, 'subscription($id: ID!) { inquiryUpdated(id: $id) { id } }', {});
    await eventually(() => [unnamed, several, missing].every((s) => s.done()), { what: 'three more' });
    for (const refused of [unnamed, several, missing]) {
      expect(refusalOf(refused)).toEqual([{ code: 'BAD_USER_INPUT', reason: undefined }]);
    }

    const fine = watch(client, WATCH, { id: inquiry.id });
    await eventually(() => fine.messages.length > 0, { what: 'the current state on the same socket' });
    expect(fine.messages[0]?.errors).toBeUndefined();
    expect(fine.error()).toBeUndefined();
  });

  it('hides field suggestions in production, over the socket as over HTTP', async () => {
    // Production refuses the public development secrets; a refused document never reaches a
    // subgraph, so this gateway's own secrets need not match theirs.
    const gateway = await platform.startGateway({
      NODE_ENV: 'production',
      CONTEXT_SECRET: 'production-context-secret-for-this-test-0123456789',
      ADMIN_TOKEN: 'production-admin-token-for-this-test-0123456789',
    });
    const url = `http://127.0.0.1:${gateway.port}/graphql`;
    const apiKey = await newAccount('Suggestion Co');
    const overHttp = await gqlAt(url)(apiKey, '{ inquiri(id: "x") { id } }');
    const client = wsAt(url, apiKey);
    clients.push(client);
    const overSocket = watch(client, 'subscription { inquiryUpdated(id: "x") { statu } }', {});
    await eventually(() => overSocket.done(), { what: 'the refusal' });
    const messages = [
      ...(overHttp.errors ?? []).map((e) => e.message),
      ...(overSocket.error() as Array<{ message: string }>).map((e) => e.message),
    ];
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      expect(message).toContain('[Suggestion hidden]');
      expect(message).not.toMatch(/Did you mean|"inquiry"|"status"/);
    }
    // Nor is introspection open over the socket (a query runs through Apollo, which refuses it there).
    const introspection = watch(client, '{ __schema { types { name } } }', {});
    await eventually(() => introspection.done(), { what: 'the introspection answer' });
    expect(JSON.stringify(introspection.messages)).not.toContain('"types"');
    expect(refusalOf(introspection)).toEqual([{ code: 'BAD_USER_INPUT', reason: undefined }]);
  });

  it('caps open subscriptions per socket, per account and per session token, and frees a place on complete', async () => {
    const gateway = await platform.startGateway({
      SUBSCRIPTIONS_PER_SOCKET: '3',
      SUBSCRIPTIONS_PER_ACCOUNT: '5',
      SUBSCRIPTIONS_PER_SESSION: '2',
    });
    const url = `http://127.0.0.1:${gateway.port}/graphql`;
    const apiKey = await newAccount('Quota Co');
    const inquiry = await newInquiry(apiKey, '+14155550183');
    const open = async (client: ReturnType<typeof wsAt>, count: number) => {
      const list = Array.from({ length: count }, () => watch(client, WATCH, { id: inquiry.id }));
      await eventually(() => list.every((s) => s.messages.length > 0 || s.done()), { what: 'answers' });
      return list;
    };
    const accepted = (list: Array<ReturnType<typeof watch>>) =>
      list.filter((s) => !s.done() && s.messages[0]?.errors === undefined);
    const refusedAs = (list: Array<ReturnType<typeof watch>>) =>
      list.filter((s) => s.done()).map((s) => refusalOf(s));
    const tooMany = [{ code: 'RATE_LIMITED', reason: 'TOO_MANY_SUBSCRIPTIONS' }];

    const first = wsAt(url, apiKey);
    clients.push(first);
    const onFirst = await open(first, 4);
    expect(accepted(onFirst)).toHaveLength(3);
    expect(refusedAs(onFirst)).toEqual([tooMany]);

    const second = wsAt(url, apiKey);
    clients.push(second);
    const onSecond = await open(second, 3);
    expect(accepted(onSecond)).toHaveLength(2);
    expect(refusedAs(onSecond)).toEqual([tooMany]);

    // The end user's session token counts apart: the account's five do not stop it.
    const user = wsAt(url, inquiry.sessionToken);
    clients.push(user);
    const onUser = await open(user, 3);
    expect(accepted(onUser)).toHaveLength(2);
    expect(refusedAs(onUser)).toEqual([tooMany]);

    accepted(onFirst)[0]!.unsubscribe();
    await eventually(() => gateway.activeSubscriptions() === 6, { what: 'one place freed' });
    const again = await open(second, 1);
    expect(accepted(again)).toHaveLength(1);
  });

  it('caps open sockets per account and per session token on a gateway: the next closes 1013, a closed one frees a place', async () => {
    const gateway = await platform.startGateway({ WEBSOCKETS_PER_ACCOUNT: '2', WEBSOCKETS_PER_SESSION: '1' });
    const url = `ws://127.0.0.1:${gateway.port}/graphql`;
    const apiKey = await newAccount('Socket Cap Co');
    const inquiry = await newInquiry(apiKey, '+14155550189');
    const opened: WebSocket[] = [];
    /** A socket's connection_init answered: acknowledged, or closed with a code and reason. */
    const connect = (token: string) =>
      new Promise<{ socket: WebSocket; answer: 'ack' | { code: number; reason: string } }>((resolve) => {
        const socket = new WebSocket(url, 'graphql-transport-ws');
        opened.push(socket);
        socket.on('open', () =>
          socket.send(
            JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
          ),
        );
        socket.on('message', (data) => {
          if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack')
            resolve({ socket, answer: 'ack' });
        });
        socket.on('close', (code, reason) => resolve({ socket, answer: { code, reason: String(reason) } }));
      });
    try {
      const [a, b] = [await connect(apiKey), await connect(apiKey)];
      expect([a.answer, b.answer]).toEqual(['ack', 'ack']);
      expect((await connect(apiKey)).answer).toEqual({
        code: 1013,
        reason: "Too many open sockets: this account's API keys may hold 2 here",
      });
      // The session token counts apart from its account's keys.
      expect((await connect(inquiry.sessionToken)).answer).toBe('ack');
      expect((await connect(inquiry.sessionToken)).answer).toEqual({
        code: 1013,
        reason: 'Too many open sockets: this session token may hold 1 here',
      });
      // A closed socket gives its place back.
      a.socket.close();
      await eventually(async () => (await connect(apiKey)).answer === 'ack', { what: 'a place freed' });
    } finally {
      for (const socket of opened) socket.terminate();
    }
  });
});
