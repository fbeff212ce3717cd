import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'nats';
import { rpcCatalog, rpcSubject, type RpcReply } from '@attestor/contracts';
import {
  createLogger,
  NatsBus,
  parseConfig,
  request,
  responder,
  startService,
  type RunningService,
  type Worker,
} from '@attestor/platform';
import {
  callSubgraph,
  cleanupTestRun,
  inquiryLookupStandIn,
  partnerCaller,
  testEnvironment,
  TEST_NATS_URL,
  uniqueName,
} from '@attestor/platform/testing';
import {
  inquiryConfigShape,
  resolveInquiryConfig,
  type InquiryConfig,
} from '../services/inquiry/src/config.js';
import { inquiryService } from '../services/inquiry/src/service.js';

/**
 * One suite for `rpc.inquiry.lookup`, run against the inquiry service's real responder and against the
 * stand-in other services' tests use (inquiryLookupStandIn): a stand-in that answered what the real
 * responder does not would let a test pass that fails in production.
 */
type Inquiry = NonNullable<RpcReply<'rpc.inquiry.lookup'>['inquiry']>;

interface LookupSide {
  bus: NatsBus;
  /** An inquiry that exists, and its account. */
  known: { accountId: string; inquiryId: string };
  stop(): Promise<void>;
}

const logger = createLogger({ service: 'rpc-contract', level: 'silent', format: 'json' });

async function realSide(): Promise<LookupSide> {
  const run = uniqueName('rpcreal');
  const schema = `inquiry_${run}`;
  const config: InquiryConfig = resolveInquiryConfig(
    parseConfig(inquiryConfigShape, testEnvironment(run, { DB_SCHEMA: schema })),
  );
  const service: RunningService<InquiryConfig> = await startService(inquiryService, config);
  const gql = async <T>(caller: Parameters<typeof callSubgraph>[2], query: string, variables = {}) => {
    const result = await callSubgraph<T>(service.url, config.CONTEXT_SECRET, caller, query, variables);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data as T;
  };
  const { createAccount } = await gql<{ createAccount: { account: { id: string } } }>(
    { kind: 'admin' },
    'mutation { createAccount(name: "Contract") { account { id } } }',
  );
  const accountId = createAccount.account.id;
  const partner = partnerCaller(accountId, ['pii:read']);
  const { createInquiryTemplate } = await gql<{ createInquiryTemplate: { id: string } }>(
    partner,
    'mutation { createInquiryTemplate(input: { name: "K", steps: [PHONE_OTP, DATABASE_NAME_MATCH] }) { id } }',
  );
  const { createInquiry } = await gql<{ createInquiry: { inquiry: { id: string } } }>(
    partner,
    `mutation($t: ID!) { createInquiry(input: { templateId: $t, fields: { nameFirst: "Ada", nameLast: "Lovelace", phoneNumber: "+447400123456" } }) { inquiry { id } } }`,
    { t: createInquiryTemplate.id },
  );
  const bus = await NatsBus.connect({ url: TEST_NATS_URL, namespace: run, name: 'rpc-contract', logger });
  return {
    bus,
    known: { accountId, inquiryId: createInquiry.inquiry.id },
    stop: async () => {
      await bus.close();
      await service.stop();
      await cleanupTestRun(run, [schema]);
    },
  };
}

async function standInSide(): Promise<LookupSide> {
  const run = uniqueName('rpcstand');
  const bus = await NatsBus.connect({ url: TEST_NATS_URL, namespace: run, name: 'rpc-contract', logger });
  const accountId = randomUUID();
  const inquiry: Inquiry = {
    id: randomUUID(),
    accountId,
    status: 'CREATED',
    steps: ['PHONE_OTP', 'DATABASE_NAME_MATCH'],
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    redacted: false,
    accountName: 'Contract',
    phoneCountryCode: 'GB',
    identityMatch: false,
    nameSealed: { first: 'v1.sealed', middle: null, last: 'v1.sealed' },
  };
  const lookup = inquiryLookupStandIn((id) => (id === inquiry.id ? inquiry : undefined));
  const worker: Worker = responder(bus, 'rpc.inquiry.lookup', 'inquiry', logger, lookup);
  await worker.start();
  return {
    bus,
    known: { accountId, inquiryId: inquiry.id },
    stop: async () => {
      await worker.stop();
      await bus.close();
      await cleanupTestRun(run, []);
    },
  };
}

describe.each([
  ['the inquiry service', realSide],
  ['the test stand-in', standInSide],
])('rpc.inquiry.lookup answered by %s', (_name, start) => {
  let side: LookupSide;
  const ask = (accountId: string, inquiryId: string) =>
    request(side.bus, 'rpc.inquiry.lookup', { accountId, inquiryId }, { timeoutMs: 5000 });

  beforeAll(async () => {
    side = await start();
  });
  afterAll(async () => {
    await side?.stop();
  });

  it("answers the account's inquiry with every field of the reply", async () => {
    const { inquiry } = await ask(side.known.accountId, side.known.inquiryId);
    expect(inquiry).not.toBeNull();
    expect(Object.keys(inquiry ?? {}).sort()).toEqual(
      Object.keys(rpcCatalog['rpc.inquiry.lookup'].reply.shape.inquiry.unwrap().shape).sort(),
    );
    expect(inquiry).toMatchObject({
      id: side.known.inquiryId,
      accountId: side.known.accountId,
      status: 'CREATED',
      steps: ['PHONE_OTP', 'DATABASE_NAME_MATCH'],
      redacted: false,
      phoneCountryCode: 'GB',
    });
  });

  it("answers null for another account's inquiry, an unknown one, and ids that are not uuids", async () => {
    expect((await ask(randomUUID(), side.known.inquiryId)).inquiry).toBeNull();
    expect((await ask(side.known.accountId, randomUUID())).inquiry).toBeNull();
    expect((await ask(`acc_${side.known.accountId.slice(0, 8)}`, side.known.inquiryId)).inquiry).toBeNull();
    expect((await ask(side.known.accountId, 'not-an-id')).inquiry).toBeNull();
  });

  it('holds an open inquiry for a send when asked, and says so; never for an unknown one', async () => {
    const held = await request(
      side.bus,
      'rpc.inquiry.lookup',
      { ...side.known, holdForSendMs: 5000 },
      { timeoutMs: 5000 },
    );
    expect(held.held).toBe(true);
    expect(held.inquiry?.status).toBe('CREATED');
    expect((await ask(side.known.accountId, side.known.inquiryId)).held).toBe(false);
    const unknown = await request(
      side.bus,
      'rpc.inquiry.lookup',
      { accountId: side.known.accountId, inquiryId: randomUUID(), holdForSendMs: 5000 },
      { timeoutMs: 5000 },
    );
    expect(unknown).toEqual({ held: false, inquiry: null });
  });

  it('refuses a malformed ask with BAD_USER_INPUT', async () => {
    const nc = await connect({ servers: TEST_NATS_URL });
    try {
      const reply = await nc.request(
        rpcSubject(side.bus.namespace, 'rpc.inquiry.lookup'),
        new TextEncoder().encode(JSON.stringify({ accountId: side.known.accountId })),
        { timeout: 5000 },
      );
      expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({
        ok: false,
        error: { code: 'BAD_USER_INPUT' },
      });
    } finally {
      await nc.close();
    }
  });
});
