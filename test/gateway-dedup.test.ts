/**
 * In-flight deduplication of subgraph fetches (GATEWAY_DEDUP): a proxy in front of the inquiry
 * subgraph counts every request the gateway sends and holds them until the test lets them go, so the
 * identical queries a test sends are all in flight together; the gateway's own
 * `attestor_subgraph_fetches_total{shared="true"}` says how many joined one instead of sending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type GraphQLResult } from '@attestor/platform/testing';
import type { RunningGateway } from '../services/gateway/src/gateway.js';
import { gqlAt } from './support/flow.js';
import { ADMIN_TOKEN, startPlatform, type Platform } from './support/platform.js';
import { startTwilioProxy, type TwilioProxy } from './support/twilio-proxy.js';

const N = 8;
let platform: Platform;
let proxy: TwilioProxy;
/** What reached the inquiry subgraph through the proxy: each request's body. */
const received: string[] = [];
let release: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();
let sharing: RunningGateway;
let notSharing: RunningGateway;
const keys: string[] = [];

function hold(): () => void {
  gate = new Promise<void>((resolve) => (release = resolve));
  return () => {
    release();
    gate = Promise.resolve();
  };
}

beforeAll(async () => {
  platform = await startPlatform();
  proxy = await startTwilioProxy(new URL(platform.services.inquiry.url).origin, async ({ path, body }) => {
    if (path !== '/graphql') return;
    received.push(body.toString('utf8'));
    await gate;
  });
  sharing = await platform.startGateway({ INQUIRY_URL: `${proxy.url}/graphql` });
  notSharing = await platform.startGateway({ INQUIRY_URL: `${proxy.url}/graphql`, GATEWAY_DEDUP: 'false' });
  for (const name of ['Dedup One', 'Dedup Two']) {
    const created = await platform.gql<{ createAccount: { apiKey: string } }>(
      ADMIN_TOKEN,
      `mutation { createAccount(name: "${name}") { apiKey } }`,
    );
    keys.push(created.data!.createAccount.apiKey);
  }
}, 60_000);
afterAll(async () => {
  release();
  await proxy?.close();
  await platform?.stop();
});

/** The gateway's count of fetches that joined one in flight. */
async function sharedFetches(gateway: RunningGateway): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gateway.port}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('attestor_subgraph_fetches_total{') &&
        l.includes('subgraph="inquiry"') &&
        l.includes('shared="true"'),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

/**
 * Sends every request at once, holds the subgraph until each has either reached it or joined a fetch
 * in flight, then lets them go: what reached the subgraph, and every answer.
 */
async function allAtOnce<T>(
  gateway: RunningGateway,
  requests: Array<{ token: string; query: string }>,
): Promise<{ fetches: number; answers: Array<GraphQLResult<T>> }> {
  const gql = gqlAt(`http://127.0.0.1:${gateway.port}/graphql`);
  const receivedBefore = received.length;
  const sharedBefore = await sharedFetches(gateway);
  const open = hold();
  const pending = Promise.all(requests.map(({ token, query }) => gql<T>(token, query)));
  try {
    await eventually(
      async () =>
        received.length - receivedBefore + (await sharedFetches(gateway)) - sharedBefore === requests.length,
      { what: 'every request at the subgraph or joined to one in flight' },
    );
  } finally {
    open();
  }
  const answers = await pending;
  return { fetches: received.length - receivedBefore, answers };
}

const accountQuery = '{ account { id name } }';

describe('in-flight deduplication of subgraph fetches', () => {
  it('sends one subgraph request for N identical concurrent queries of one caller, each answered in full', async () => {
    const { fetches, answers } = await allAtOnce<{ account: { name: string } }>(
      sharing,
      Array.from({ length: N }, () => ({ token: keys[0]!, query: accountQuery })),
    );
    expect(fetches).toBe(1);
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toMatchObject({ account: { name: 'Dedup One' } });
    }
  });

  it('never shares between callers: two accounts asking the same query make two requests', async () => {
    const { fetches, answers } = await allAtOnce<{ account: { name: string } }>(
      sharing,
      Array.from({ length: 2 * N }, (_, i) => ({ token: keys[i % 2]!, query: accountQuery })),
    );
    expect(fetches).toBe(2);
    answers.forEach((answer, i) =>
      expect(answer.data).toMatchObject({ account: { name: i % 2 === 0 ? 'Dedup One' : 'Dedup Two' } }),
    );
  });

  it('never collapses a mutation: N identical concurrent mutations make N requests', async () => {
    const mutation =
      'mutation { createInquiryTemplate(input: { name: "Same", steps: [PHONE_OTP] }) { id name } }';
    const { fetches, answers } = await allAtOnce<{ createInquiryTemplate: { id: string } }>(
      sharing,
      Array.from({ length: N }, () => ({ token: keys[0]!, query: mutation })),
    );
    expect(fetches).toBe(N);
    const ids = answers.map((a) => a.data?.createInquiryTemplate.id);
    expect(new Set(ids).size).toBe(N);
  });

  it('gives every caller sharing a fetch the error it answered, with its code', async () => {
    // The admin token is no partner: the inquiry subgraph refuses `account` with FORBIDDEN.
    const { fetches, answers } = await allAtOnce<{ account: unknown }>(
      sharing,
      Array.from({ length: N }, () => ({ token: ADMIN_TOKEN, query: accountQuery })),
    );
    expect(fetches).toBe(1);
    for (const answer of answers) {
      expect(answer.data?.account ?? null).toBeNull();
      expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('keeps nothing after the answer: the same query later is fetched again', async () => {
    const gql = gqlAt(`http://127.0.0.1:${sharing.port}/graphql`);
    const before = received.length;
    await gql(keys[0]!, accountQuery);
    await gql(keys[0]!, accountQuery);
    expect(received.length - before).toBe(2);
  });

  it('shares nothing with GATEWAY_DEDUP=false', async () => {
    const { fetches } = await allAtOnce(
      notSharing,
      Array.from({ length: N }, () => ({ token: keys[0]!, query: accountQuery })),
    );
    expect(fetches).toBe(N);
  });
});
