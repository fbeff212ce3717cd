import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import pg from 'pg';
import { z } from 'zod';
import { streamName } from '@attestor/contracts';
import { parseConfig, platformConfigShape, type PlatformConfig } from './config.js';
import { signClaims, type Caller, type Claims } from './caller.js';

/** Where tests find the real Postgres and NATS (CI and the dev machine run both locally). */
const testEnvironment = parseConfig(
  {
    TEST_DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/test'),
    TEST_NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  },
  process.env,
);
export const TEST_DATABASE_URL = testEnvironment.TEST_DATABASE_URL;
export const TEST_NATS_URL = testEnvironment.TEST_NATS_URL;

/** A name no other test file uses at the same time: lowercase, valid as a schema and NATS token. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * Platform config for one test: its own Postgres schema per service (`<service>_<run>`) and NATS
 * namespace, quiet logs, fast retries. `run` ties several services of one test to one namespace.
 */
export function testPlatformConfig(run: string, overrides: Record<string, string> = {}): PlatformConfig {
  return parseConfig(platformConfigShape, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    LOG_FORMAT: 'json',
    DATABASE_URL: TEST_DATABASE_URL,
    NATS_URL: TEST_NATS_URL,
    NATS_NAMESPACE: run,
    DB_POOL_SIZE: '4',
    EVENT_RETRY_BASE_MS: '20',
    OUTBOX_POLL_MS: '100',
    ...overrides,
  });
}

/** Removes what a test run left: its schemas and its stream (and with it every consumer). */
export async function cleanupTestRun(run: string, schemas: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
  const nc = await connect({ servers: TEST_NATS_URL });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(streamName(run)).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Polls `probe` until it returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 10_000, intervalMs = 25, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface GraphQLResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{
    message: string;
    path?: Array<string | number>;
    extensions?: { code?: string; [key: string]: unknown };
  }>;
}

/** Calls a subgraph directly as the gateway would: a request signed with the test's CONTEXT_SECRET. */
export async function callSubgraph<T = Record<string, unknown>>(
  url: string,
  secret: string,
  caller: Caller,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResult<T>> {
  const body = JSON.stringify({ query, variables });
  const claims: Claims = { caller, requestId: `test-${randomBytes(4).toString('hex')}`, ip: '203.0.113.7' };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signClaims(secret, claims, body) },
    body,
  });
  return (await response.json()) as GraphQLResult<T>;
}
