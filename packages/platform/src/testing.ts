import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { connect } from 'nats';
import pg from 'pg';
import { z } from 'zod';
import {
  createEvent,
  eventSubject,
  isUuid,
  streamName,
  type RpcReply,
  type RpcRequest,
  type EventEnvelope,
  type EventInput,
  type EventType,
} from '@attestor/contracts';
import type { NatsBus } from './bus/nats.js';
import { parseConfig, platformConfigShape, type PlatformConfig } from './config.js';
import { openDatabase } from './db.js';
import { createLogger } from './logger.js';
import type { DataSource } from 'typeorm';
import { signClaims, type Caller, type UnsignedClaims } from './caller.js';

/** Where tests find the real Postgres and NATS (CI and the dev machine run both locally). */
const testServers = parseConfig(
  {
    TEST_DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/test'),
    TEST_NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  },
  process.env,
);
export const TEST_DATABASE_URL = testServers.TEST_DATABASE_URL;
export const TEST_NATS_URL = testServers.TEST_NATS_URL;

/**
 * A schema of its own on the test Postgres, opened as a service opens its own (no entities; the
 * platform's outbox/inbox tables unless `platformTables` is false), logging nothing.
 */
export function openTestDatabase(
  schema: string,
  options: { poolSize?: number; platformTables?: boolean; preparedStatements?: boolean } = {},
): Promise<DataSource> {
  return openDatabase({
    url: TEST_DATABASE_URL,
    schema,
    poolSize: options.poolSize ?? 4,
    entities: [],
    migrations: [],
    ...(options.platformTables === false ? { platformTables: false } : {}),
    ...(options.preparedStatements === false ? { preparedStatements: false } : {}),
    logger: createLogger({ service: 'test', level: 'silent', format: 'json' }),
  });
}

/** A name no other test file uses at the same time: lowercase, valid as a schema and NATS token. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * The environment of one test's services: the real Postgres and NATS, the test's own NATS namespace
 * (`run` ties several services of one test together), quiet logs, fast retries. Parse it with a
 * service's config shape; give each service its own `DB_SCHEMA` (`<service>_<run>`).
 */
export function testEnvironment(run: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    LOG_FORMAT: 'json',
    DATABASE_URL: TEST_DATABASE_URL,
    NATS_URL: TEST_NATS_URL,
    NATS_NAMESPACE: run,
    DB_POOL_SIZE: '4',
    PORT: '0',
    EVENT_RETRY_BASE_MS: '20',
    EVENT_RETRY_MAX_MS: '200',
    EVENT_MAX_DELIVERIES: '5',
    OUTBOX_POLL_MS: '100',
    ...overrides,
  };
}

/** The platform part of a test service's config (see testEnvironment). */
export function testPlatformConfig(run: string, overrides: Record<string, string> = {}): PlatformConfig {
  return parseConfig(platformConfigShape, testEnvironment(run, overrides));
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Removes what a test run left: its schemas and its stream (and with it every consumer). */
export async function cleanupTestRun(
  run: string,
  schemas: string[],
  databaseUrl: string = TEST_DATABASE_URL,
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
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

/** A base URL on a port nothing listens on: a dependency that "does not answer" (connection refused). */
export async function unreachableUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
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
  const claims: UnsignedClaims = {
    caller,
    requestId: `test-${randomBytes(4).toString('hex')}`,
    ip: '203.0.113.7',
  };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signClaims(secret, claims, body) },
    body,
  });
  return (await response.json()) as GraphQLResult<T>;
}

/** Callers as the gateway would sign them. */
export const partnerCaller = (accountId: string, scopes: string[] = []): Caller => ({
  kind: 'partner',
  accountId,
  keyId: `key_${accountId}`,
  scopes,
});
export const sessionCaller = (accountId: string, inquiryId: string): Caller => ({
  kind: 'session',
  accountId,
  inquiryId,
});

/**
 * Publishes an event into a test's namespace as its owning service would. Pass `event` to send one
 * again and a `messageId` other than its id to get past JetStream's de-duplication (a redelivery).
 */
export async function publishEvent<T extends EventType>(
  bus: NatsBus,
  type: T,
  fields: { accountId: string; subjectId: string; data: EventInput<T> },
  again: { event?: EventEnvelope; messageId?: string } = {},
): Promise<EventEnvelope> {
  const event = again.event ?? createEvent(type, fields);
  await bus.publish(
    eventSubject(bus.namespace, type, fields.subjectId),
    JSON.stringify(event),
    again.messageId ?? event.id,
    null,
  );
  return event;
}

/** Records every event published under `filter` (e.g. `phone.>`) in the bus's namespace. */
export function recordEvents(bus: NatsBus, filter: string) {
  const events: EventEnvelope[] = [];
  const subscription = bus.connection.subscribe(`${bus.namespace}${filter}`, {
    callback: (error, message) => {
      if (!error) events.push(JSON.parse(new TextDecoder().decode(message.data)) as EventEnvelope);
    },
  });
  return {
    events,
    ofType: (type: EventType) => events.filter((event) => event.type === type),
    stop: () => subscription.unsubscribe(),
  };
}

/** A clock a test moves: the real time plus an offset (never back), handed to startService. */
export class TestClock {
  offsetMs = 0;
  now = (): Date => new Date(Date.now() + this.offsetMs);
  /** Moves the clock forward to `at` (never back). */
  advanceTo(at: Date): void {
    this.offsetMs = Math.max(this.offsetMs, at.getTime() - Date.now());
  }
  advanceBy(ms: number): void {
    this.offsetMs += ms;
  }
}

type LookupReply = RpcReply<'rpc.inquiry.lookup'>;
type LookupRequest = RpcRequest<'rpc.inquiry.lookup'>;

/**
 * A stand-in for the inquiry service's `rpc.inquiry.lookup` that answers by the real responder's rules
 * (test/rpc-contract.test.ts runs the same suite against both): ids that are not uuids, unknown ids
 * and another account's inquiry all answer `{ inquiry: null }`.
 */
export function inquiryLookupStandIn(
  find: (inquiryId: string) => NonNullable<LookupReply['inquiry']> | undefined,
  now: () => Date = () => new Date(),
): (request: LookupRequest) => Promise<LookupReply> {
  return async ({ accountId, inquiryId, holdForSendMs }) => {
    if (!isUuid(accountId) || !isUuid(inquiryId)) return { held: false, inquiry: null };
    const found = find(inquiryId);
    const inquiry = found && found.accountId === accountId ? found : null;
    // A hold is taken on an open inquiry (nothing here expires it, so there is nothing to keep).
    const open =
      inquiry !== null &&
      (inquiry.status === 'CREATED' || inquiry.status === 'PENDING') &&
      !inquiry.redacted &&
      new Date(inquiry.expiresAt).getTime() > now().getTime();
    return { held: holdForSendMs !== undefined && open, inquiry };
  };
}
