import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiKeyHash,
  createLogger,
  issueSessionToken,
  NatsBus,
  respond,
  RpcTimeoutError,
  type Caller,
} from '@attestor/platform';
import { cleanupTestRun, eventually, TEST_NATS_URL, uniqueName } from '@attestor/platform/testing';
import { eventSubject } from '@attestor/contracts';
import type { Subscription } from 'nats';
import { Authenticator } from '../src/auth.js';

const logger = createLogger({ service: 'auth-test', level: 'silent', format: 'json' });
const run = uniqueName('auth');
const secret = 'c'.repeat(40);
const goodKey = 'sk_good-key-for-the-test';
let bus: NatsBus;
let responder: Subscription;
let authenticator: Authenticator;
let lookups = 0;

beforeAll(async () => {
  bus = await NatsBus.connect({ url: TEST_NATS_URL, namespace: run, name: 'auth-test', logger });
  responder = respond(bus, 'rpc.inquiry.credentials.resolve', 'inquiry', logger, async ({ keyHash }) => {
    lookups += 1;
    return {
      credential:
        keyHash === apiKeyHash(goodKey) ? { accountId: 'acc_1', keyId: 'key_1', scopes: ['pii:read'] } : null,
    };
  });
  authenticator = new Authenticator(
    bus,
    { adminToken: 'admin-token-0123456789', contextSecret: secret, keyCacheTtlMs: 60_000, rpcTimeoutMs: 500 },
    logger,
  );
  authenticator.start();
  await bus.connection.flush();
});
afterAll(async () => {
  authenticator?.stop();
  responder?.unsubscribe();
  await bus?.close();
  await cleanupTestRun(run, []);
});

const code = async (promise: Promise<Caller>) =>
  promise.then(
    () => 'ok',
    (e: { extensions?: { code?: string } }) => e.extensions?.code,
  );

describe('gateway authentication', () => {
  it('refuses a request without credentials or with an unknown scheme', async () => {
    expect(await code(authenticator.authenticate(undefined, 'r'))).toBe('UNAUTHENTICATED');
    expect(await code(authenticator.authenticate('Bearer ', 'r'))).toBe('UNAUTHENTICATED');
    expect(await code(authenticator.authenticate('Bearer something-else', 'r'))).toBe('UNAUTHENTICATED');
  });

  it('recognises the admin token', async () => {
    await expect(authenticator.authenticate('Bearer admin-token-0123456789', 'r')).resolves.toEqual({
      kind: 'admin',
    });
  });

  it('accepts a valid session token and refuses an expired or forged one', async () => {
    const valid = issueSessionToken(secret, {
      accountId: 'acc_1',
      inquiryId: 'inq_1',
      expiresAt: new Date(Date.now() + 60_000),
    });
    await expect(authenticator.authenticate(`Bearer ${valid}`, 'r')).resolves.toEqual({
      kind: 'session',
      accountId: 'acc_1',
      inquiryId: 'inq_1',
    });
    const expired = issueSessionToken(secret, {
      accountId: 'acc_1',
      inquiryId: 'inq_1',
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await code(authenticator.authenticate(`Bearer ${expired}`, 'r'))).toBe('UNAUTHENTICATED');
    const forged = issueSessionToken('f'.repeat(40), {
      accountId: 'acc_1',
      inquiryId: 'inq_1',
      expiresAt: new Date(Date.now() + 60_000),
    });
    expect(await code(authenticator.authenticate(`Bearer ${forged}`, 'r'))).toBe('UNAUTHENTICATED');
  });

  it('resolves an API key once and serves it from the cache afterwards', async () => {
    const before = lookups;
    const callers = await Promise.all(
      [1, 2, 3].map(() => authenticator.authenticate(`Bearer ${goodKey}`, 'r')),
    );
    expect(callers[0]).toEqual({ kind: 'partner', accountId: 'acc_1', keyId: 'key_1', scopes: ['pii:read'] });
    await authenticator.authenticate(`Bearer ${goodKey}`, 'r');
    expect(lookups - before).toBe(1);
  });

  it('refuses an unknown key', async () => {
    expect(await code(authenticator.authenticate('Bearer sk_nobody', 'r'))).toBe('UNAUTHENTICATED');
  });

  it('forgets a key as soon as its revocation event arrives', async () => {
    await authenticator.authenticate(`Bearer ${goodKey}`, 'r');
    const before = lookups;
    bus.connection.publish(eventSubject(bus.namespace, 'inquiry.api-key.revoked', 'key_1'), '{}');
    await eventually(
      async () => {
        await authenticator.authenticate(`Bearer ${goodKey}`, 'r');
        return lookups > before;
      },
      { what: 'cache eviction' },
    );
  });

  it('forgets every cached key when its NATS connection drops (revocations may have been missed meanwhile)', async () => {
    await authenticator.authenticate(`Bearer ${goodKey}`, 'r');
    const before = lookups;
    await authenticator.authenticate(`Bearer ${goodKey}`, 'r');
    expect(lookups).toBe(before);
    await bus.connection.reconnect();
    await eventually(
      async () => {
        await authenticator.authenticate(`Bearer ${goodKey}`, 'r');
        return lookups > before;
      },
      { what: 'the key asked for again after the reconnect' },
    );
  });

  it('reports an unreachable inquiry service as a timeout, not as bad credentials', async () => {
    responder.unsubscribe();
    await bus.connection.flush();
    await expect(authenticator.authenticate('Bearer sk_never-seen-before', 'r')).rejects.toBeInstanceOf(
      RpcTimeoutError,
    );
  });
});
