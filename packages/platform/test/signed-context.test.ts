import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  signClaims,
  startService,
  type Claims,
  type UnsignedClaims,
  type RunningService,
  type ServiceConfig,
} from '../src/index.js';
import { cleanupTestRun, testPlatformConfig, uniqueName } from '../src/testing.js';
import { notesService } from './fixtures/notes-service.js';

const run = uniqueName('ctx');
const config: ServiceConfig = { ...testPlatformConfig(run), PORT: 0, DB_SCHEMA: `notes_${run}` };
let service: RunningService<ServiceConfig>;

const partner: UnsignedClaims = {
  caller: { kind: 'partner', accountId: 'acc_1', keyId: 'key_1', scopes: [] },
  requestId: 'req-1',
  ip: null,
};

beforeAll(async () => {
  service = await startService(notesService, config);
});
afterAll(async () => {
  await service?.stop();
  await cleanupTestRun(run, [`notes_${run}`]);
});

async function post(body: string, headers: Record<string, string>) {
  const response = await fetch(service.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    json: (await response.json()) as {
      data?: unknown;
      errors?: Array<{ extensions: { code: string }; message: string }>;
    },
  };
}

const query = JSON.stringify({ query: '{ whoami }' });

describe('signed request context', () => {
  it('accepts a request the gateway signed and hands the resolver the caller', async () => {
    const { status, json } = await post(query, signClaims(config.CONTEXT_SECRET, partner, query));
    expect(status).toBe(200);
    expect(JSON.parse((json.data as { whoami: string }).whoami)).toEqual(partner.caller);
  });

  it('refuses an unsigned request with FORBIDDEN', async () => {
    const { status, json } = await post(query, {});
    expect(status).toBe(403);
    expect(json.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(json.data).toBeUndefined();
  });

  it('refuses a request whose body was changed after signing', async () => {
    const headers = signClaims(config.CONTEXT_SECRET, partner, query);
    const tampered = JSON.stringify({ query: '{ notes { id text } }' });
    const { json } = await post(tampered, headers);
    expect(json.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });

  it('refuses claims that were changed after signing (another account)', async () => {
    const headers = signClaims(config.CONTEXT_SECRET, partner, query);
    const forged: Claims = {
      ...partner,
      nonce: 'forged-nonce-0123456789',
      caller: { ...partner.caller, accountId: 'acc_2' } as Claims['caller'],
    };
    headers['attestor-context'] = Buffer.from(JSON.stringify(forged)).toString('base64url');
    const { json } = await post(query, headers);
    expect(json.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });

  it('refuses an identical signed request sent again within its window (a replay)', async () => {
    const headers = signClaims(config.CONTEXT_SECRET, partner, query);
    expect((await post(query, headers)).status).toBe(200);
    const again = await post(query, headers);
    expect(again.status).toBe(403);
    expect(again.json.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(again.json.errors?.[0]?.message).toContain('replay');
  });

  it('refuses a request signed with another secret', async () => {
    const { json } = await post(query, signClaims('x'.repeat(40), partner, query));
    expect(json.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });

  it('refuses a stale signature (older than CONTEXT_MAX_AGE_SECONDS)', async () => {
    const old = Date.now() - (config.CONTEXT_MAX_AGE_SECONDS + 5) * 1000;
    const { json } = await post(query, signClaims(config.CONTEXT_SECRET, partner, query, old));
    expect(json.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(json.errors?.[0]?.message).toMatch(/stale/);
  });

  it('answers /health and /ready with the database and NATS reachable', async () => {
    const base = service.url.replace('/graphql', '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ database: true, nats: true, outbox: 'publishing' });
  });
});
