import { request as httpRequest, Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorControl } from '@attestor/twilio-emulator';
import { ADMIN_TOKEN, seedNumber, startPlatform, type Platform } from './support/platform.js';

/**
 * The gateway's request limits (docs/api-guide.md "Limits"), tried as an attacker would: deep, wide,
 * aliased and cyclic queries, several costly mutations in one request, strings no database can hold.
 */
let platform: Platform;
let key: string;
let inquiryId: string;
let sessionToken: string;
let templateId: string;

beforeAll(async () => {
  platform = await startPlatform({ RATE_LIMIT_BURST: '40', RATE_LIMIT_PER_SECOND: '5' });
  const created = await platform.gql<{ createAccount: { apiKey: string } }>(
    ADMIN_TOKEN,
    'mutation { createAccount(name: "Limits") { apiKey } }',
  );
  key = created.data!.createAccount.apiKey;
  const template = await platform.gql<{ createInquiryTemplate: { id: string } }>(
    key,
    'mutation { createInquiryTemplate(input: { name: "Phone", steps: [PHONE_OTP] }) { id } }',
  );
  templateId = template.data!.createInquiryTemplate.id;
  const inquiry = await platform.gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
    key,
    'mutation($t: ID!) { createInquiry(input: { templateId: $t }) { inquiry { id } sessionToken } }',
    { t: templateId },
  );
  inquiryId = inquiry.data!.createInquiry.inquiry.id;
  sessionToken = inquiry.data!.createInquiry.sessionToken;
});
afterAll(async () => {
  await platform?.stop();
});

const codeOf = (result: { errors?: Array<{ extensions?: { code?: string } }> }) =>
  result.errors?.[0]?.extensions?.code;

/** `inquiry { phoneVerifications { inquiry { phoneVerifications … } } }`, `levels` times. */
function cyclic(levels: number): string {
  let selection = 'id';
  for (let i = 0; i < levels; i++) selection = `phoneVerifications { status inquiry { id ${selection} } }`;
  return `query($i: ID!) { inquiry(id: $i) { id ${selection} } }`;
}

describe('query limits', () => {
  it('answers a dashboard-sized query', async () => {
    const result = await platform.gql(
      key,
      `{ inquiries(first: 50) { edges { node { id status events { type at } phoneVerifications { status riskAssessment { decision reasons } } databaseVerification { status nameMatch { result } } } } } }`,
    );
    expect(result.errors).toBeUndefined();
  });

  it('refuses a cyclic query 25 levels deep, and depth 1,000, as BAD_USER_INPUT', async () => {
    for (const levels of [25, 500]) {
      const result = await platform.gql(sessionToken, cyclic(levels), { i: inquiryId });
      expect(codeOf(result), JSON.stringify(result.errors?.[0])).toBe('BAD_USER_INPUT');
      expect(result.data ?? null).toBeNull();
    }
  });

  it('names the limit a refused document broke in extensions.reason', async () => {
    const cases = {
      QUERY_TOO_DEEP: cyclic(6),
      TOO_MANY_ALIASES: `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: account { id }`).join(' ')} }`,
      TOO_MANY_TOKENS: `{ account { ${'id '.repeat(2100)}} }`,
      TOO_MANY_DIRECTIVES: `{ account { id ${'@include(if: true) '.repeat(21)}} }`,
    };
    for (const [reason, query] of Object.entries(cases)) {
      const result = await platform.gql(sessionToken, query, { i: inquiryId });
      expect(codeOf(result), reason).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.extensions?.['reason'], JSON.stringify(result.errors)).toBe(reason);
    }
  });

  it('refuses a query whose lists multiply past the cost limit, naming the reason', async () => {
    const result = await platform.gql(sessionToken, cyclic(4), { i: inquiryId });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions?.['reason']).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses more than 15 aliases', async () => {
    const aliases = Array.from({ length: 100 }, (_, i) => `a${i}: inquiry(id: "${inquiryId}") { id }`).join(
      ' ',
    );
    const result = await platform.gql(key, `{ ${aliases} }`);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
  });
});

describe('costly mutations', () => {
  it('refuses two startPhoneVerification aliases in one request, and sends no SMS', async () => {
    const numbers = ['+14155550161', '+14155550162'];
    for (const phoneNumber of numbers)
      await seedNumber(platform.emulator, { phoneNumber, smsPumpingRiskScore: 2 });
    const aliases = numbers
      .map(
        (n, i) =>
          `s${i}: startPhoneVerification(inquiryId: "${inquiryId}", phoneNumber: "${n}") { verification { id } }`,
      )
      .join(' ');
    const result = await platform.gql(sessionToken, `mutation { ${aliases} }`);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions?.['reason']).toBe('ONE_COSTLY_MUTATION_PER_REQUEST');
    const outbox = emulatorControl(platform.emulator.url);
    for (const n of numbers) await expect(outbox.latestCode(n)).rejects.toThrow(/no code/);
  });

  it('refuses 1,000 createInquiry aliases and creates nothing', async () => {
    const before = await platform.gql<{ inquiries: { edges: unknown[] } }>(
      key,
      '{ inquiries(first: 100) { edges { cursor } } }',
    );
    const aliases = Array.from(
      { length: 1000 },
      (_, i) => `c${i}: createInquiry(input: { templateId: "${templateId}" }) { inquiry { id } }`,
    ).join(' ');
    const result = await platform.gql(key, `mutation { ${aliases} }`);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    const after = await platform.gql<{ inquiries: { edges: unknown[] } }>(
      key,
      '{ inquiries(first: 100) { edges { cursor } } }',
    );
    expect(after.data?.inquiries.edges.length).toBe(before.data?.inquiries.edges.length);
  });

  it('charges one rate-limit token per root mutation field', async () => {
    // Its own key (its own bucket): 15 aliases of a cheap mutation take 15 tokens, past a burst of 40 on the third request.
    const other = await platform.gql<{ createAccount: { apiKey: string } }>(
      ADMIN_TOKEN,
      'mutation { createAccount(name: "Rate") { apiKey } }',
    );
    const key = other.data!.createAccount.apiKey;
    const aliases = Array.from(
      { length: 15 },
      (_, i) => `d${i}: deleteWebhook(id: "00000000-0000-7000-8000-000000000000") { id }`,
    ).join(' ');
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++) codes.push(codeOf(await platform.gql(key, `mutation { ${aliases} }`)));
    expect(codes).toContain('RATE_LIMITED');
  });
});

describe('input hygiene', () => {
  it.each([
    ['a NUL byte', 'ref\u0000x'],
    ['a lone surrogate', 'ref\ud800x'],
  ])('refuses %s in a variable, naming the field, before anything is stored', async (_what, referenceId) => {
    const result = await platform.gql(
      key,
      'mutation($t: ID!, $r: String) { createInquiry(input: { templateId: $t, referenceId: $r }) { inquiry { id } } }',
      { t: templateId, r: referenceId },
    );
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions?.['field']).toBe('r');
  });

  it('refuses a NUL in a literal, naming its argument, every time the same document comes', async () => {
    // The verdict is kept per parsed document: the second request is answered from it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await platform.gql(key, `{ inquiries(referenceId: "a\\u0000b") { edges { cursor } } }`);
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.extensions?.['field']).toBe('referenceId');
    }
  });

  it('keeps emoji, other scripts and bidirectional marks', async () => {
    const result = await platform.gql<{ createInquiry: { inquiry: { referenceId: string } } }>(
      key,
      'mutation($t: ID!, $r: String) { createInquiry(input: { templateId: $t, referenceId: $r }) { inquiry { referenceId } } }',
      { t: templateId, r: 'ref-😀-日本-\u202eabc' },
    );
    expect(result.data?.createInquiry.inquiry.referenceId).toBe('ref-😀-日本-\u202eabc');
  });

  it.each(["' OR '1'='1", '2026-13-01T00:00:00Z', '2026-02-31T00:00:00Z', '1700000000', '2026-11-26'])(
    'refuses DateTime %j as BAD_USER_INPUT',
    async (since) => {
      const result = await platform.gql(
        key,
        'query($s: DateTime) { fraudStats(since: $s) { countryCode } }',
        { s: since },
      );
      expect(codeOf(result), JSON.stringify(result.errors)).toBe('BAD_USER_INPUT');
    },
  );

  it('answers an unknown operationName, and several operations without one, with 400 BAD_USER_INPUT', async () => {
    for (const body of [
      { query: 'query A { account { id } }', operationName: 'B' },
      { query: 'query A { account { id } } query B { account { name } }' },
    ]) {
      const response = await fetch(platform.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect(codeOf((await response.json()) as never)).toBe('BAD_USER_INPUT');
    }
  });
});

describe('hostile documents and bodies (found by probing a running npm start)', () => {
  it('refuses a fragment bomb (2 KB expanding to 2^40 selections) by its depth and cost, without expanding it', async () => {
    const query =
      `query($i: ID!) { inquiry(id: $i) { ...F0 } } ` +
      Array.from({ length: 40 }, (_, i) => `fragment F${i} on Inquiry { id ...F${i + 1} ...F${i + 1} }`).join(
        ' ',
      ) +
      ' fragment F40 on Inquiry { id }';
    const result = await platform.gql(key, query, { i: inquiryId });
    const reasons = result.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['reason']]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['BAD_USER_INPUT', 'QUERY_TOO_DEEP'],
        ['BAD_USER_INPUT', 'QUERY_TOO_COMPLEX'],
      ]),
    );
    // The cost is counted exactly, each fragment once: 2 for the object and 2^41 - 1 under it.
    expect(result.errors?.map((e) => e.message).join(' ')).toContain(`it costs ${2 ** 41 + 1},`);
  });

  it('walks variables nested 5,000 deep without overflowing, and still finds a NUL at the bottom', async () => {
    // Written out by hand: JSON.stringify itself overflows at this depth inside the test runner.
    const post = async (leaf: string) => {
      const deep = `${'['.repeat(5000)}${leaf}${']'.repeat(5000)}`;
      const response = await fetch(platform.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: `{"query":"{ account { id } }","variables":{"deep":${deep}}}`,
      });
      return (await response.json()) as {
        data?: unknown;
        errors?: Array<{ extensions?: Record<string, unknown> }>;
      };
    };
    const clean = await post('"x"');
    expect(clean.errors).toBeUndefined();
    const dirty = await post('"a\\u0000"');
    expect(codeOf(dirty)).toBe('BAD_USER_INPUT');
    expect(dirty.errors?.[0]?.extensions?.['field']).toBe(`deep${'[0]'.repeat(5000)}`);
  });

  it('answers a persisted-query hash that is not the query’s with 400 BAD_USER_INPUT', async () => {
    const response = await fetch(platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: '{ account { id } }',
        extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } },
      }),
    });
    expect(response.status).toBe(400);
    expect(codeOf((await response.json()) as never)).toBe('BAD_USER_INPUT');
  });
});

describe('HTTP', () => {
  it('closes the socket after refusing a body over the limit, so the next request does not wait behind it', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          platform.gatewayUrl,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${key}`,
              'content-length': Buffer.byteLength(body),
            },
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    expect(await post(JSON.stringify({ query: `{ account { id } } #${'x'.repeat(2 * 1024 * 1024)}` }))).toBe(
      413,
    );
    // Before the fix this request waited on the same socket for the server's 65 s keep-alive timeout,
    // past the test's own timeout; now the refused socket is closed and the agent opens a new one.
    expect(await post(JSON.stringify({ query: '{ account { id } }' }))).toBe(200);
    agent.destroy();
  });
});
