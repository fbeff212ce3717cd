import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  buildASTSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, seedNumber, startPlatform, type Platform } from '../support/platform.js';

/**
 * A hostile sweep generated from the supergraph: every query and mutation of the public API, called
 * with a partner key, a session token and the admin token, each argument in turn given hostile values
 * (wrong types, null, empty, huge, NUL, lone surrogates, bidi marks, emoji, SQL and JSON, integers out
 * of range, unknown enum values, another account's ids). Every answer must be a coded error or data:
 * never INTERNAL, never a 5xx, never another account's data; the services must stay up.
 */
const supergraph = readFileSync(
  fileURLToPath(new URL('../../services/gateway/supergraph.graphql', import.meta.url)),
  'utf8',
);
const schema: GraphQLSchema = buildASTSchema(parse(supergraph), { assumeValidSDL: true });

let platform: Platform;
/** The attacker's credentials (account A) and the victim's ids and secrets (account B). */
const a = { key: '', session: '', inquiryId: '', templateId: '' };
const b = {
  accountId: '',
  inquiryId: '',
  templateId: '',
  referenceId: 'B-SECRET-REF-7f3a',
  name: 'Zebulonia',
};
const stats = { calls: 0, slowestMs: 0, slowest: '' };

async function gql<T>(token: string, query: string, variables: Record<string, unknown> = {}) {
  const result = await platform.gql<T>(token, query, variables);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
}

async function account(name: string, referenceId: string, nameFirst: string) {
  const { createAccount } = await gql<{ createAccount: { account: { id: string }; apiKey: string } }>(
    ADMIN_TOKEN,
    'mutation($n: String!) { createAccount(name: $n) { account { id } apiKey } }',
    { n: name },
  );
  const key = createAccount.apiKey;
  const { createInquiryTemplate } = await gql<{ createInquiryTemplate: { id: string } }>(
    key,
    'mutation { createInquiryTemplate(input: { name: "Sweep", steps: [PHONE_OTP, DATABASE_NAME_MATCH] }) { id } }',
  );
  const { createInquiry } = await gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
    key,
    'mutation($t: ID!, $r: String, $f: String) { createInquiry(input: { templateId: $t, referenceId: $r, fields: { nameFirst: $f, nameLast: "Quarrington", phoneNumber: "+14155550133" } }) { inquiry { id } sessionToken } }',
    { t: createInquiryTemplate.id, r: referenceId, f: nameFirst },
  );
  return {
    accountId: createAccount.account.id,
    key,
    templateId: createInquiryTemplate.id,
    inquiryId: createInquiry.inquiry.id,
    session: createInquiry.sessionToken,
  };
}

beforeAll(async () => {
  platform = await startPlatform({ RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' });
  await seedNumber(platform.emulator, { phoneNumber: '+14155550133', smsPumpingRiskScore: 2 });
  const attacker = await account('Attacker', 'A-REF', 'Alice');
  Object.assign(a, {
    key: attacker.key,
    session: attacker.session,
    inquiryId: attacker.inquiryId,
    templateId: attacker.templateId,
  });
  const victim = await account('Victim', b.referenceId, b.name);
  Object.assign(b, {
    accountId: victim.accountId,
    inquiryId: victim.inquiryId,
    templateId: victim.templateId,
  });
}, 120_000);

afterAll(async () => {
  const heap = Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
  console.log(
    `abuse sweep: ${stats.calls} calls, slowest ${stats.slowestMs} ms (${stats.slowest}), heap ${heap} MB after (all services in this process)`,
  );
  await platform?.stop();
});

/** Hostile values for one scalar or enum type (another account's ids among them). */
function hostileLeaves(type: GraphQLInputType): unknown[] {
  const named = getNamedType(type);
  const strings = [
    '',
    'a\u0000b',
    'lone\ud800surrogate',
    '\u202eevil\u202c',
    '😀🧨',
    "' OR '1'='1' --",
    '{"$gt": ""}',
    '../../etc/passwd',
    'x'.repeat(100_000),
  ];
  const ids = [b.inquiryId, b.templateId, b.accountId, 'not-an-id', '00000000-0000-0000-0000-000000000000'];
  if (isEnumType(named)) return ['NOT_A_VALUE', 42, null];
  if (isScalarType(named)) {
    switch (named.name) {
      case 'Int':
        return [2 ** 31, -(2 ** 31) - 1, 1e308, -1, 0, 'seven', 1.5];
      case 'Float':
        return [Number.MAX_VALUE, -1, 'NaN', 'x'];
      case 'Boolean':
        return ['true', 0, null];
      case 'ID':
        return [...ids, ...strings.slice(0, 4), 12345];
      case 'DateTime':
        return ["' OR '1'='1", '2026-02-31T00:00:00Z', '1700000000', '9999999-01-01T00:00:00Z', '', 17];
      default:
        return [...strings, ...ids.slice(0, 2), 12, true];
    }
  }
  return [null];
}

/** A plausible value of a type, so that only the argument under attack is hostile. */
function plausible(type: GraphQLInputType): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [plausible(nullable.ofType)];
  if (isInputObjectType(nullable)) {
    return Object.fromEntries(
      Object.values(nullable.getFields())
        .filter((field) => isNonNullType(field.type))
        .map((field) => [field.name, plausible(field.type)]),
    );
  }
  if (isEnumType(nullable)) return nullable.getValues()[0]?.value;
  switch (nullable.name) {
    case 'Int':
      return 1;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return true;
    case 'ID':
      return a.inquiryId;
    case 'DateTime':
      return '2026-01-01T00:00:00Z';
    default:
      return 'plausible';
  }
}

/** Every hostile variant of one argument: at its own level, and one field at a time inside inputs. */
function hostileValues(type: GraphQLInputType, depth = 0): unknown[] {
  const nullable = getNullableType(type);
  const values: unknown[] = [null, 'a string where something else belongs'];
  if (isListType(nullable)) {
    values.push(
      [],
      Array.from({ length: 2000 }, () => plausible(nullable.ofType)),
      ...hostileValues(nullable.ofType, depth + 1)
        .slice(0, 4)
        .map((v) => [v]),
    );
    return values;
  }
  if (isInputObjectType(nullable)) {
    if (depth > 2) return values;
    const base = plausible(nullable) as Record<string, unknown>;
    values.push({ ...base, notAField: 1 });
    for (const field of Object.values(nullable.getFields())) {
      for (const value of hostileValues(field.type, depth + 1).slice(0, 8))
        values.push({ ...base, [field.name]: value });
    }
    return values;
  }
  return [...values, ...hostileLeaves(nullable)];
}

/** A small selection of a field's output (scalars and one level of objects), so answers can be checked. */
function selection(type: GraphQLObjectType, depth = 0): string {
  const fields = Object.values(type.getFields()).filter((field) =>
    field.args.every((arg) => !isNonNullType(arg.type)),
  );
  const parts = fields.flatMap((field) => {
    const named = getNamedType(field.type);
    if (!isObjectType(named)) return [field.name];
    return depth < 1 ? [`${field.name} { ${selection(named, depth + 1)} }`] : [];
  });
  return parts.length > 0 ? parts.slice(0, 12).join(' ') : '__typename';
}

interface Case {
  name: string;
  query: string;
  variables: Record<string, unknown>;
}

/** Cases for one root field: each argument hostile in turn, the others plausible. */
function casesOf(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): Case[] {
  const named = getNamedType(field.type);
  const pick = isObjectType(named) ? `{ ${selection(named)} }` : '';
  const signature = (args: readonly GraphQLArgument[]) =>
    args.length === 0 ? '' : `(${args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ')})`;
  const call = (args: readonly GraphQLArgument[]) =>
    args.length === 0 ? '' : `(${args.map((arg) => `${arg.name}: $${arg.name}`).join(', ')})`;
  const query = `${kind} Sweep${signature(field.args)} { ${field.name}${call(field.args)} ${pick} }`;
  const plausibleArgs = Object.fromEntries(field.args.map((arg) => [arg.name, plausible(arg.type)]));
  const cases: Case[] = [{ name: `${field.name} (plausible)`, query, variables: plausibleArgs }];
  for (const arg of field.args) {
    for (const value of hostileValues(arg.type)) {
      cases.push({
        name: `${field.name}(${arg.name})`,
        query,
        variables: { ...plausibleArgs, [arg.name]: value },
      });
    }
  }
  return cases;
}

const rootFields = (type: GraphQLObjectType | null | undefined) =>
  Object.values(type?.getFields() ?? {}).filter((field) => !field.name.startsWith('_'));

async function send(token: string, testCase: Case): Promise<{ status: number; text: string }> {
  const started = performance.now();
  const response = await fetch(platform.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: testCase.query, variables: testCase.variables }),
  });
  const text = await response.text();
  const elapsed = Math.round(performance.now() - started);
  stats.calls += 1;
  if (elapsed > stats.slowestMs) Object.assign(stats, { slowestMs: elapsed, slowest: testCase.name });
  return { status: response.status, text };
}

function checkAnswer(testCase: Case, caller: string, answer: { status: number; text: string }): void {
  const where = `${caller} ${testCase.name} ${JSON.stringify(testCase.variables).slice(0, 200)}`;
  expect(answer.status, where).toBeLessThan(500);
  expect(answer.text, where).not.toContain('"INTERNAL"');
  expect(answer.text, where).not.toContain(b.referenceId);
  expect(answer.text, where).not.toContain(b.name);
  expect(answer.text, where).not.toMatch(/at .*\.(ts|js):\d+|QueryFailedError|SELECT |INSERT INTO/);
  if (answer.status !== 413) {
    const body = JSON.parse(answer.text) as { errors?: Array<{ extensions?: { code?: string } }> };
    for (const error of body.errors ?? []) expect(error.extensions?.code, where).toBeTruthy();
  }
}

describe('hostile sweep generated from the supergraph', () => {
  const kinds: Array<['query' | 'mutation', GraphQLObjectType | null | undefined]> = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ];
  for (const [kind, type] of kinds) {
    for (const field of rootFields(type)) {
      it(`${kind} ${field.name}: no INTERNAL, no 5xx, no other account's data`, async () => {
        for (const [caller, token] of [
          ['partner', a.key],
          ['session', a.session],
          ['admin', ADMIN_TOKEN],
        ] as const) {
          for (const testCase of casesOf(kind, field))
            checkAnswer(testCase, caller, await send(token, testCase));
        }
      }, 120_000);
    }
  }

  it('survives deep, wide, aliased and cyclic queries, and the services stay ready', async () => {
    const cyclic = (levels: number) => {
      let inner = 'id';
      for (let i = 0; i < levels; i++) inner = `phoneVerifications { id inquiry { ${inner} } }`;
      return `{ inquiry(id: "${a.inquiryId}") { ${inner} } }`;
    };
    const shapes = [
      cyclic(30),
      `{ ${'inquiry(id: "x") { '.repeat(300)}id${' }'.repeat(300)} }`,
      `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: account { id }`).join(' ')} }`,
      `{ account { ${Array.from({ length: 3000 }, () => 'id').join(' ')} } }`,
      `{ account { id @include(if: true) ${'@skip(if: false) '.repeat(500)} } }`,
      `query Q { ...F } fragment F on Query { ...G } fragment G on Query { ...F }`,
    ];
    for (const query of shapes) {
      const answer = await send(a.key, { name: query.slice(0, 40), query, variables: {} });
      checkAnswer({ name: query.slice(0, 40), query, variables: {} }, 'partner', answer);
    }
    for (const service of Object.values(platform.services)) {
      const ready = await fetch(service.url.replace(/\/graphql$/, '/ready'));
      expect(ready.status).toBe(200);
    }
  });

  it("never answers another account's inquiry, whatever the caller", async () => {
    for (const token of [a.key, a.session]) {
      const answer = await platform.gql<{ inquiry: unknown }>(
        token,
        'query($i: ID!) { inquiry(id: $i) { id referenceId } }',
        {
          i: b.inquiryId,
        },
      );
      expect(answer.data?.inquiry ?? null).toBeNull();
    }
  });
});
