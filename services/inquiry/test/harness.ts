import type { Subscription } from 'nats';
import {
  apiKeyHash,
  createLogger,
  NatsBus,
  parseConfig,
  request,
  startService,
  type Caller,
  type Clock,
  type RunningService,
} from '@attestor/platform';
import {
  callSubgraph,
  cleanupTestRun,
  publishEvent,
  TEST_NATS_URL,
  testEnvironment,
  uniqueName,
  type GraphQLResult,
} from '@attestor/platform/testing';
import { normalizeNamespace, type EventInput, type EventEnvelope, type EventType } from '@attestor/contracts';
import { inquiryConfigShape, resolveInquiryConfig, type InquiryConfig } from '../src/config.js';
import { createInquiryService, type InquiryServiceOptions } from '../src/service.js';

export const ADMIN: Caller = { kind: 'admin' };
export const ANONYMOUS: Caller = { kind: 'anonymous' };

export { TestClock } from '@attestor/platform/testing';

export interface TestAccount {
  accountId: string;
  apiKey: string;
  /** The caller the gateway would forward for this account's key (pii:read). */
  partner: Caller;
  /** The same account's caller without pii:read. */
  partnerNoPii: Caller;
}

export interface Harness {
  run: string;
  schema: string;
  config: InquiryConfig;
  service: RunningService<InquiryConfig>;
  /** A second bus connection, as another service would have. */
  bus: NatsBus;
  /** Every event published in the run's namespace, in arrival order (JetStream de-duplicates by id). */
  events: EventEnvelope[];
  gql<T = Record<string, unknown>>(
    caller: Caller,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResult<T>>;
  /** `gql` that fails the test on any error and returns the data. */
  ok<T = Record<string, unknown>>(
    caller: Caller,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<T>;
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  createAccount(name?: string): Promise<TestAccount>;
  createTemplate(caller: Caller, input?: Record<string, unknown>): Promise<string>;
  createInquiry(
    caller: Caller,
    input: Record<string, unknown>,
    idempotencyKey?: string,
  ): Promise<{ id: string; sessionToken: string; status: string }>;
  /** Publishes an event as the phone, identity or fraud service would. */
  publish<T extends EventType>(
    type: T,
    fields: { accountId: string; subjectId: string; data: EventInput<T> },
  ): Promise<EventEnvelope>;
  eventsOf(subjectId: string, type?: string): EventEnvelope[];
  stop(): Promise<void>;
}

export function inquiryTestConfig(run: string, overrides: Record<string, string> = {}): InquiryConfig {
  return resolveInquiryConfig(
    parseConfig(
      inquiryConfigShape,
      testEnvironment(run, {
        DB_SCHEMA: `inquiry_${run}`,
        WEBHOOK_POLL_MS: '50',
        EXPIRY_SWEEP_MS: '200',
        ...overrides,
      }),
    ),
  );
}

export const CREATE_ACCOUNT = /* GraphQL */ `
  mutation ($name: String!) {
    createAccount(name: $name) {
      account {
        id
        name
        createdAt
      }
      apiKey
    }
  }
`;
export const CREATE_TEMPLATE = /* GraphQL */ `
  mutation ($input: CreateInquiryTemplateInput!) {
    createInquiryTemplate(input: $input) {
      id
    }
  }
`;
export const CREATE_INQUIRY = /* GraphQL */ `
  mutation ($input: CreateInquiryInput!, $key: String) {
    createInquiry(input: $input, idempotencyKey: $key) {
      inquiry {
        id
        status
      }
      sessionToken
    }
  }
`;

export async function startHarness(
  options: {
    overrides?: Record<string, string>;
    service?: InquiryServiceOptions & { clock?: Clock };
    prefix?: string;
  } = {},
): Promise<Harness> {
  const run = uniqueName(options.prefix ?? 'inq');
  const config = inquiryTestConfig(run, options.overrides);
  const schema = `inquiry_${run}`;
  const { clock, ...serviceOptions } = options.service ?? {};
  const service = await startService(createInquiryService(serviceOptions), config, clock ? { clock } : {});
  const bus = await NatsBus.connect({
    url: TEST_NATS_URL,
    namespace: run,
    name: 'inquiry-test',
    logger: createLogger({ service: 'inquiry-test', level: 'silent', format: 'json' }),
  });
  const events: EventEnvelope[] = [];
  const seen = new Set<string>();
  const subscription: Subscription = bus.connection.subscribe(`${normalizeNamespace(run)}>`, {
    callback: (error, message) => {
      if (error || message.subject.startsWith(`${normalizeNamespace(run)}rpc.`)) {
        return;
      }
      try {
        const event = JSON.parse(new TextDecoder().decode(message.data)) as EventEnvelope;
        if (typeof event.id !== 'string' || seen.has(event.id)) return;
        seen.add(event.id);
        events.push(event);
      } catch {
        // not an event (an rpc body)
      }
    },
  });
  await bus.connection.flush();

  const gql = <T>(caller: Caller, query: string, variables: Record<string, unknown> = {}) =>
    callSubgraph<T>(service.url, config.CONTEXT_SECRET, caller, query, variables);
  const ok = async <T>(
    caller: Caller,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> => {
    const result = await gql<T>(caller, query, variables);
    if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data as T;
  };
  const sql = async <T>(text: string, params: unknown[] = []) =>
    (await service.deps.dataSource.query(text.replaceAll('$schema', `"${schema}"`), params)) as T[];

  const harness: Harness = {
    run,
    schema,
    config,
    service,
    bus,
    events,
    gql,
    ok,
    sql,
    async createAccount(name = 'Acme') {
      const data = await ok<{ createAccount: { account: { id: string }; apiKey: string } }>(
        ADMIN,
        CREATE_ACCOUNT,
        { name },
      );
      const { account, apiKey } = data.createAccount;
      const resolved = await request(
        bus,
        'rpc.inquiry.credentials.resolve',
        { keyHash: apiKeyHash(apiKey) },
        { timeoutMs: 5000 },
      );
      if (!resolved.credential) throw new Error('the new key does not resolve');
      return {
        accountId: account.id,
        apiKey,
        partner: {
          kind: 'partner',
          accountId: account.id,
          keyId: resolved.credential.keyId,
          scopes: ['pii:read'],
        },
        partnerNoPii: {
          kind: 'partner',
          accountId: account.id,
          keyId: resolved.credential.keyId,
          scopes: [],
        },
      };
    },
    async createTemplate(caller, input = {}) {
      const data = await ok<{ createInquiryTemplate: { id: string } }>(caller, CREATE_TEMPLATE, {
        input: { name: 'Phone and name', steps: ['PHONE_OTP', 'DATABASE_NAME_MATCH'], ...input },
      });
      return data.createInquiryTemplate.id;
    },
    async createInquiry(caller, input, idempotencyKey) {
      const data = await ok<{
        createInquiry: { inquiry: { id: string; status: string }; sessionToken: string };
      }>(caller, CREATE_INQUIRY, { input, key: idempotencyKey ?? null });
      return { ...data.createInquiry.inquiry, sessionToken: data.createInquiry.sessionToken };
    },
    publish: (type, fields) => publishEvent(bus, type, fields),
    eventsOf(subjectId, type) {
      return events.filter((e) => e.subjectId === subjectId && (type === undefined || e.type === type));
    },
    async stop() {
      subscription.unsubscribe();
      await service.stop();
      await bus.close();
      await cleanupTestRun(run, [schema]);
    },
  };
  return harness;
}

/** GraphQL error codes of a result, in order. */
export function codes(result: GraphQLResult<unknown>): Array<string | undefined> {
  return (result.errors ?? []).map((e) => e.extensions?.code);
}
