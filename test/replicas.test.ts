import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, TEST_DATABASE_URL } from '@attestor/platform/testing';
import { emulatorControl } from '@attestor/twilio-emulator';
import type { RunningGateway } from '../services/gateway/src/gateway.js';
import {
  checkPhone,
  gqlAt,
  newAccount,
  newInquiry,
  newTemplate,
  startPhone,
  watch,
  wsAt,
  type Gql,
  type Watched,
} from './support/flow.js';
import { ADMIN_TOKEN, latestCode, seedNumber, startPlatform, type Platform } from './support/platform.js';

/**
 * Two instances of every subgraph and two gateways, each gateway on its own set of subgraph
 * instances, all on one NATS namespace and one schema per service — what N replicas on Kubernetes
 * are. The whole flow holds, every effect happens once (one SMS per start, one webhook per event,
 * one decision), live updates reach a client on the gateway that did not serve the request, and the
 * gateways enforce one rate limit between them.
 */
let platform: Platform;
let gateways: Array<{ gateway: RunningGateway; url: string; gql: Gql }>;
let receiver: Server;
const deliveries: Array<{ eventId: string; type: string; inquiryId: string }> = [];
const clients: Client[] = [];

beforeAll(async () => {
  // TRUST_PROXY: each simulated end user comes from an address of their own (X-Forwarded-For).
  platform = await startPlatform({ RATE_LIMIT_DATABASE_URL: TEST_DATABASE_URL, TRUST_PROXY: 'true' });
  const replicas = {
    inquiry: await platform.startReplica('inquiry'),
    phone: await platform.startReplica('phone'),
    fraud: await platform.startReplica('fraud'),
    identity: await platform.startReplica('identity'),
  };
  const second = await platform.startGateway({
    INQUIRY_URL: replicas.inquiry.url,
    PHONE_URL: replicas.phone.url,
    FRAUD_URL: replicas.fraud.url,
    IDENTITY_URL: replicas.identity.url,
  });
  gateways = [platform.gateway, second].map((gateway) => {
    const url = `http://127.0.0.1:${gateway.port}/graphql`;
    return { gateway, url, gql: gqlAt(url) };
  });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { inquiryId?: string } };
      deliveries.push({
        eventId: String(req.headers['attestor-event-id']),
        type: String(req.headers['attestor-event-type']),
        inquiryId: String(body.data?.inquiryId ?? ''),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
}, 120_000);

afterAll(async () => {
  for (const client of clients) await client.dispose();
  await platform?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

const WATCH = 'subscription($id: ID!) { inquiryUpdated(id: $id) { id status } }';
const FLOWS = 12;

describe('two replicas of every subgraph behind two gateways', () => {
  it('run the whole flow with one effect each, and deliver live updates through the other gateway', async () => {
    const [a, b] = gateways as [(typeof gateways)[0], (typeof gateways)[0]];
    const key = await newAccount(a.gql, ADMIN_TOKEN, 'Replicated');
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const created = await b.gql(
      key,
      'mutation($u: String!) { createWebhook(url: $u, events: ["inquiry.*"]) { id } }',
      { u: hook },
    );
    expect(created.errors).toBeUndefined();
    const template = await newTemplate(a.gql, key, ['PHONE_OTP', 'DATABASE_NAME_MATCH']);

    // Real users: numbers in different area codes, each from an address of its own (the fraud engine
    // rightly challenges a dozen starts from one address or one prefix within the hour).
    const areaCodes = ['212', '310', '415', '646', '702', '305', '617', '206', '512', '303', '404', '503'];
    const flows = Array.from({ length: FLOWS }, (_, index) => ({
      index,
      phone: `+1${areaCodes[index]}5550142`,
      ip: `203.0.113.${10 + index}`,
      // Odd flows are driven through the second gateway, and watched on the first.
      via: index % 2 === 0 ? a : b,
      watchedOn: index % 2 === 0 ? b : a,
    }));
    const results = await Promise.all(
      flows.map(async (flow) => {
        await seedNumber(platform.emulator, {
          phoneNumber: flow.phone,
          lineType: 'mobile',
          callerName: 'ADA LOVELACE',
          callerType: 'CONSUMER',
          smsPumpingRiskScore: 3,
        });
        const user = gqlAt(flow.via.url, { 'x-forwarded-for': flow.ip });
        const inquiry = await newInquiry(user, key, template, {
          nameFirst: 'Ada',
          nameLast: 'Lovelace',
        });
        const client = wsAt(flow.watchedOn.url, key);
        clients.push(client);
        const watched: Watched = watch(client, WATCH, { id: inquiry.id });
        await eventually(() => watched.messages.length >= 1, { what: 'the current state' });
        const verification = await startPhone(user, inquiry, flow.phone);
        expect(verification.status).toBe('PENDING');
        const status = await checkPhone(
          user,
          inquiry,
          verification.id,
          await latestCode(platform.emulator, flow.phone),
        );
        expect(status).toBe('APPROVED');
        await eventually(
          () =>
            watched.messages.some(
              (m) =>
                (m.data as { inquiryUpdated?: { status: string } })?.inquiryUpdated?.status === 'APPROVED',
            ),
          { timeoutMs: 40_000, what: `inquiry ${flow.index} APPROVED on the other gateway` },
        );
        watched.unsubscribe();
        return { ...flow, inquiry, watched };
      }),
    );

    for (const result of results) {
      // One SMS per start however many phone and fraud instances there are.
      const sent = await emulatorControl(platform.emulator.url).outbox(result.phone);
      expect(sent, result.phone).toHaveLength(1);
      const statuses = result.watched.messages.map(
        (m) => (m.data as { inquiryUpdated: { status: string } }).inquiryUpdated.status,
      );
      expect(statuses.filter((s) => s === 'APPROVED')).toHaveLength(1);
      const decided = await result.via.gql<{
        inquiry: { status: string; databaseVerification: { nameMatch: { result: string } | null } | null };
      }>(key, 'query($i: ID!) { inquiry(id: $i) { status databaseVerification { nameMatch { result } } } }', {
        i: result.inquiry.id,
      });
      expect(decided.data?.inquiry.status).toBe('APPROVED');
      expect(decided.data?.inquiry.databaseVerification?.nameMatch?.result).toBe('EXACT_MATCH');
    }

    // Every webhook event once: no event id twice, one approval per inquiry.
    await eventually(
      () =>
        results.every((r) =>
          deliveries.some((d) => d.inquiryId === r.inquiry.id && d.type === 'inquiry.approved'),
        ),
      { timeoutMs: 40_000, what: 'an inquiry.approved webhook for every inquiry' },
    );
    const eventIds = deliveries.map((d) => d.eventId);
    expect(new Set(eventIds).size).toBe(eventIds.length);
    for (const result of results) {
      const types = deliveries.filter((d) => d.inquiryId === result.inquiry.id).map((d) => d.type);
      expect(types.filter((t) => t === 'inquiry.approved')).toHaveLength(1);
      expect(types.filter((t) => t === 'inquiry.created')).toHaveLength(1);
    }
    // One decision row per inquiry, whichever inquiry instance handled the events.
    const approvals = await platform.sql<{ count: string }>(
      'inquiry',
      `SELECT count(*)::text AS count FROM $schema.outbox WHERE subject LIKE '%inquiry.approved%'`,
    );
    expect(Number(approvals[0]?.count)).toBe(FLOWS);
  }, 240_000);

  it('enforce one rate limit between them', async () => {
    // Two more gateways with a small limit: 10 requests per 10 s per caller, shared.
    const limited = await Promise.all(
      [0, 1].map(async () => {
        const gateway = await platform.startGateway({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '10' });
        return gqlAt(`http://127.0.0.1:${gateway.port}/graphql`);
      }),
    );
    const key = await newAccount(gateways[0]!.gql, ADMIN_TOKEN, 'Limited');
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => limited[i % 2]!(key, '{ account { id } }')),
    );
    const allowed = answers.filter((answer) => answer.errors === undefined);
    const refused = answers.filter((answer) => answer.errors?.[0]?.extensions?.['code'] === 'RATE_LIMITED');
    // Alone, each gateway would have allowed 10 (20 in all): together they allow 10.
    expect(allowed).toHaveLength(10);
    expect(refused).toHaveLength(6);
  }, 60_000);

  it("count open subscriptions against one quota between them, and free a stopped gateway's", async () => {
    // Two more gateways whose account quota is 3 open subscriptions, counted on the shared store.
    const [a, b] = await Promise.all(
      [0, 1].map(() => platform.startGateway({ SUBSCRIPTIONS_PER_ACCOUNT: '3' })),
    );
    const urlOf = (gateway: RunningGateway) => `http://127.0.0.1:${gateway.port}/graphql`;
    const key = await newAccount(gateways[0]!.gql, ADMIN_TOKEN, 'Quota Co');
    const inquiry = await newInquiry(
      gateways[0]!.gql,
      key,
      await newTemplate(gateways[0]!.gql, key, ['PHONE_OTP']),
    );
    const open = (gateway: RunningGateway) => {
      const client = wsAt(urlOf(gateway), key);
      clients.push(client);
      return watch(client, WATCH, { id: inquiry.id });
    };
    const refusal = (watched: Watched) => {
      const error = watched.messages[0]?.errors?.[0];
      return error
        ? { code: error.extensions?.['code'], reason: error.extensions?.['reason'], message: error.message }
        : null;
    };
    const live = (watched: Watched) => watched.messages[0]?.data !== undefined && !watched.done();

    const held = [open(a!), open(a!), open(b!)];
    await eventually(() => held.every(live), { what: 'three subscriptions open over two gateways' });
    // Alone, gateway b would hold 3 of its own: together the account holds its 3.
    const fourth = open(b!);
    await eventually(() => fourth.done(), { what: 'the fourth refused' });
    expect(refusal(fourth)).toEqual({
      code: 'RATE_LIMITED',
      reason: 'TOO_MANY_SUBSCRIPTIONS',
      message: "Too many open subscriptions: this account's API keys may hold 3; complete one first",
    });

    // One ended on a frees a place on b.
    held[0]!.unsubscribe();
    const again = open(b!);
    await eventually(() => live(again) || again.done(), { what: 'a subscription after one ended' });
    expect(refusal(again)).toBeNull();

    // Gateway a stops (its sockets with it): its hold goes, and b may open one more.
    await a!.stop();
    const afterStop = open(b!);
    await eventually(() => live(afterStop) || afterStop.done(), { what: 'a subscription after a stopped' });
    expect(refusal(afterStop)).toBeNull();
    const over = open(b!);
    await eventually(() => over.done(), { what: 'the quota full on b alone' });
    expect(refusal(over)?.reason).toBe('TOO_MANY_SUBSCRIPTIONS');
  }, 60_000);
});
