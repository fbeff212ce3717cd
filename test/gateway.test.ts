import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from 'graphql-ws';
import { eventually, unreachableUrl } from '@attestor/platform/testing';
import { newInquiry, newTemplate } from './support/flow.js';
import { readSubgraphSdl, subgraphs, supergraphPath } from '../services/gateway/src/subgraphs.js';
import { ADMIN_TOKEN, startPlatform, type Platform } from './support/platform.js';

let platform: Platform;
let apiKey: string;
const tmp = mkdtempSync(join(tmpdir(), 'attestor-gateway-'));

beforeAll(async () => {
  platform = await startPlatform();
  const created = await platform.gql<{ createAccount: { apiKey: string } }>(
    ADMIN_TOKEN,
    'mutation { createAccount(name: "Gateway Tests") { apiKey } }',
  );
  apiKey = created.data!.createAccount.apiKey;
});
afterAll(async () => {
  await platform?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as ExecutionResult,
  };
}
const code = (result: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) =>
  result.errors?.[0]?.extensions?.['code'];

describe('gateway authentication and scopes', () => {
  it('refuses a request without credentials with HTTP 401 UNAUTHENTICATED', async () => {
    const { status, json } = await post(platform.gatewayUrl, JSON.stringify({ query: '{ account { id } }' }));
    expect(status).toBe(401);
    expect(code(json)).toBe('UNAUTHENTICATED');
  });

  it.each([['sk_unknown-key'], ['st_bad.token'], ['not-a-credential']])(
    'refuses the credential %s',
    async (token) => {
      const { status, json } = await post(
        platform.gatewayUrl,
        JSON.stringify({ query: '{ account { id } }' }),
        {
          authorization: `Bearer ${token}`,
        },
      );
      expect(status).toBe(401);
      expect(code(json)).toBe('UNAUTHENTICATED');
    },
  );

  it('keeps the admin token to account management, and partners out of it', async () => {
    expect(code(await platform.gql(ADMIN_TOKEN, '{ inquiries { edges { cursor } } }'))).toBe('FORBIDDEN');
    expect(code(await platform.gql(ADMIN_TOKEN, '{ fraudPolicy { mode } }'))).toBe('FORBIDDEN');
    expect(code(await platform.gql(apiKey, 'mutation { createAccount(name: "x") { apiKey } }'))).toBe(
      'FORBIDDEN',
    );
  });

  it('answers a bad query with BAD_USER_INPUT and bad JSON with HTTP 400', async () => {
    expect(code(await platform.gql(apiKey, '{ nope }'))).toBe('BAD_USER_INPUT');
    expect(code(await platform.gql(apiKey, '{ account { id '))).toBe('BAD_USER_INPUT');
    const { status, json } = await post(platform.gatewayUrl, '{"query": ', {
      authorization: `Bearer ${apiKey}`,
    });
    expect(status).toBe(400);
    expect(code(json)).toBe('BAD_USER_INPUT');
  });

  it('refuses a body over 1 MiB', async () => {
    const big = JSON.stringify({ query: `{ account { id } }`, variables: { pad: 'x'.repeat(1024 * 1024) } });
    const { status, json } = await post(platform.gatewayUrl, big, { authorization: `Bearer ${apiKey}` });
    expect(status).toBe(413);
    expect(code(json)).toBe('BAD_USER_INPUT');
  });

  it('echoes a well-formed x-request-id and makes one up otherwise', async () => {
    const mine = await post(platform.gatewayUrl, JSON.stringify({ query: '{ account { id } }' }), {
      authorization: `Bearer ${apiKey}`,
      'x-request-id': 'req-abc.123',
    });
    expect(mine.headers.get('x-request-id')).toBe('req-abc.123');
    const made = await post(platform.gatewayUrl, JSON.stringify({ query: '{ account { id } }' }), {
      authorization: `Bearer ${apiKey}`,
      'x-request-id': 'bad id with spaces',
    });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('leaves subgraphs refusing anyone who goes around the gateway', async () => {
    for (const service of Object.values(platform.services)) {
      const { status, json } = await post(service.url, JSON.stringify({ query: '{ __typename }' }), {
        authorization: `Bearer ${apiKey}`,
      });
      expect(status).toBe(403);
      expect(code(json)).toBe('FORBIDDEN');
    }
  });

  it('never shows internals: every error code is from the contract list', async () => {
    const results = await Promise.all([
      platform.gql(apiKey, '{ inquiry(id: "not-a-uuid") { id } }'),
      platform.gql(apiKey, 'mutation { approveInquiry(id: "0193a1b2-0000-7000-8000-000000000001") { id } }'),
      platform.gql(apiKey, 'mutation { createInquiryTemplate(input: { name: "", steps: [] }) { id } }'),
      platform.gql(apiKey, 'query { compareNames(a: {}, b: { full: "x" }) { result } }'),
    ]);
    const allowed = [
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'NOT_FOUND',
      'BAD_USER_INPUT',
      'RATE_LIMITED',
      'CONFLICT',
      'PROVIDER_ERROR',
      'INTERNAL',
    ];
    for (const result of results) {
      for (const error of result.errors ?? []) {
        expect(allowed).toContain(error.extensions?.['code']);
        expect(
          Object.keys(error.extensions ?? {}).filter(
            (k) => !['code', 'field', 'retryAfterSeconds'].includes(k),
          ),
        ).toEqual([]);
        expect(error.message).not.toMatch(/SELECT|relation|stack|at .*\.ts/);
      }
    }
  });
});

describe('a subgraph that does not answer', () => {
  it('leaves the rest of the answer, and says which service is missing, under INTERNAL', async () => {
    // fraud refused (nothing listens), identity failing with HTTP 503.
    const failing = createServer((_req, res) => res.writeHead(503).end('down for maintenance'));
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const gateway = await platform.startGateway({
      FRAUD_URL: `${await unreachableUrl()}/graphql`,
      IDENTITY_URL: `http://127.0.0.1:${(failing.address() as { port: number }).port}/graphql`,
    });
    try {
      const templateId = await newTemplate(platform.gql, apiKey, ['PHONE_OTP', 'DATABASE_NAME_MATCH']);
      const { id } = await newInquiry(platform.gql, apiKey, templateId);
      const ask = async (query: string, variables: Record<string, unknown> = {}) =>
        (
          await post(`http://127.0.0.1:${gateway.port}/graphql`, JSON.stringify({ query, variables }), {
            authorization: `Bearer ${apiKey}`,
          })
        ).json;
      const messages = (result: ExecutionResult) =>
        (result.errors ?? []).map((e) => [e.extensions?.['code'], e.message]);
      // The inquiry subgraph answers; the identity part of the selection is null, and the error says why.
      const partial = await ask(
        'query($id: ID!) { inquiry(id: $id) { id status databaseVerification { status } } }',
        {
          id,
        },
      );
      expect(partial.data).toEqual({ inquiry: { id, status: 'CREATED', databaseVerification: null } });
      expect(messages(partial)).toEqual([
        ['INTERNAL', 'The identity service failed (HTTP 503); the fields it serves are null in this answer'],
      ]);
      const refused = await ask('{ fraudPolicy { mode } }');
      expect(refused.data ?? null).toBeNull();
      expect(messages(refused)).toEqual([
        ['INTERNAL', 'The fraud service did not answer; the fields it serves are null in this answer'],
      ]);
      expect(refused.errors?.[0]?.extensions?.['reason']).toBe('TEMPORARILY_UNAVAILABLE');
      expect(partial.errors?.[0]?.extensions?.['reason']).toBeUndefined();
    } finally {
      await gateway.stop();
      await new Promise((resolve) => failing.close(resolve));
    }
  });
});

describe('per-key rate limit', () => {
  it('answers RATE_LIMITED with a retry-after hint once a key has spent its burst, and leaves other keys alone', async () => {
    const limited = await platform.startGateway({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' });
    const url = `http://127.0.0.1:${limited.port}/graphql`;
    const other = (
      await platform.gql<{ createAccount: { apiKey: string } }>(
        ADMIN_TOKEN,
        'mutation { createAccount(name: "Other") { apiKey } }',
      )
    ).data!.createAccount.apiKey;
    const ask = (key: string) =>
      post(url, JSON.stringify({ query: '{ account { id } }' }), { authorization: `Bearer ${key}` });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await ask(apiKey));
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([200, 200, 200]);
    const refused = answers[3]!;
    expect(refused.status).toBe(429);
    expect(code(refused.json)).toBe('RATE_LIMITED');
    expect(refused.json.errors?.[0]?.extensions?.['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await ask(other)).status).toBe(200);
  });
});

describe('supergraph hot reload', () => {
  it('serves a recomposed supergraph file without a restart', async () => {
    const path = join(tmp, 'supergraph.graphql');
    const withoutCompareNames = composeServices(
      subgraphs.map(({ name, port }) => ({
        name,
        url: `http://127.0.0.1:${port}/graphql`,
        typeDefs:
          name === 'identity'
            ? parse(
                readFileSync(
                  new URL('../services/identity/src/schema.graphql', import.meta.url),
                  'utf8',
                ).replace(/compareNames\([^)]*\): NameComparison!/, 'ping: Boolean'),
              )
            : readSubgraphSdl(name),
      })),
    );
    expect(withoutCompareNames.errors).toBeUndefined();
    writeFileSync(path, withoutCompareNames.supergraphSdl!);
    const gateway = await platform.startGateway({ SUPERGRAPH_PATH: path });
    const url = `http://127.0.0.1:${gateway.port}/graphql`;
    const query = JSON.stringify({
      query: '{ compareNames(a: { full: "Ann Lee" }, b: { full: "Ann Lee" }) { result } }',
    });
    const before = await post(url, query, { authorization: `Bearer ${apiKey}` });
    expect(code(before.json)).toBe('BAD_USER_INPUT');

    writeFileSync(path, readFileSync(supergraphPath, 'utf8'));
    const after = await eventually(
      async () => {
        const result = await post(url, query, { authorization: `Bearer ${apiKey}` });
        return result.json.data ? result : undefined;
      },
      { timeoutMs: 15_000, what: 'the new supergraph' },
    );
    expect(after.json.data).toEqual({ compareNames: { result: 'EXACT_MATCH' } });
  });
});

describe('several gateway instances', () => {
  it('each delivers an inquiry’s updates to its own subscribers', async () => {
    const second = await platform.startGateway();
    const template = await platform.gql<{ createInquiryTemplate: { id: string } }>(
      apiKey,
      'mutation { createInquiryTemplate(input: { name: "Two gateways", steps: [PHONE_OTP] }) { id } }',
    );
    const inquiry = await platform.gql<{ createInquiry: { inquiry: { id: string } } }>(
      apiKey,
      'mutation($t: ID!) { createInquiry(input: { templateId: $t }) { inquiry { id } } }',
      { t: template.data!.createInquiryTemplate.id },
    );
    const id = inquiry.data!.createInquiry.inquiry.id;
    const { createClient } = await import('graphql-ws');
    const { default: WebSocket } = await import('ws');
    const clients = [
      platform.ws(apiKey),
      createClient({
        url: `ws://127.0.0.1:${second.port}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${apiKey}` },
        retryAttempts: 0,
      }),
    ];
    const seen: string[][] = [[], []];
    clients.forEach((client, i) =>
      client.subscribe(
        { query: 'subscription($id: ID!) { inquiryUpdated(id: $id) { status } }', variables: { id } },
        {
          next: (m) =>
            void seen[i]!.push((m.data as { inquiryUpdated: { status: string } }).inquiryUpdated.status),
          error: () => undefined,
          complete: () => undefined,
        },
      ),
    );
    await eventually(() => seen.every((s) => s.length === 1), { what: 'both current states' });
    // A transition without the phone flow: let the expiry sweeper find the inquiry overdue.
    await platform.sql(
      'inquiry',
      `UPDATE $schema.inquiries SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    await eventually(() => seen.every((s) => s.includes('EXPIRED')), {
      timeoutMs: 15_000,
      what: 'both gateways deliver EXPIRED',
    });
    expect(seen).toEqual([
      ['CREATED', 'EXPIRED'],
      ['CREATED', 'EXPIRED'],
    ]);
    for (const client of clients) await client.dispose();
  });
});
