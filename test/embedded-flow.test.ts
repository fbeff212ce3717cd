import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { connect, type NatsConnection } from 'nats';
import { normalizeNamespace } from '@attestor/contracts';
import { eventually, freePort, TEST_NATS_URL } from '@attestor/platform/testing';
import { spawnEmbeddedPostgres, type EmbeddedPostgresProcess } from './support/embedded-postgres.js';
import { ADMIN_TOKEN, latestCode, seedNumber, startPlatform, type Platform } from './support/platform.js';
import { startTwilioProxy, type TwilioProxy } from './support/twilio-proxy.js';

/**
 * The README's first inquiry on the embedded PostgreSQL (what `npm start` runs where no PostgreSQL
 * answers), with ONE pooled connection per service: a handler that held its transaction across a
 * network call would starve its own service. At every call a service makes to another (an rpc ask)
 * or to Twilio, the test looks at PostgreSQL: the asking service must have no transaction open.
 */
let database: EmbeddedPostgresProcess;
let platform: Platform;
let proxy: TwilioProxy | undefined;
let observer: NatsConnection;
let probe: pg.Client;
let run = '';
const observations: Array<{ call: string; services: string[]; openTransactions: number }> = [];

/**
 * The services' connections idle inside a transaction now, by pid with the transaction's start. Only
 * `idle in transaction` counts: a single parameterized statement (the extended protocol) shows as
 * `active` with its xact_start a fraction of a millisecond before its query_start, so "active in a
 * transaction" cannot tell it from a statement inside a held one.
 */
async function idleInTransaction(services: string[]): Promise<Map<number, string>> {
  const names = services.map((service) => `attestor-${service}_${run}`);
  const { rows } = await probe.query<{ pid: number; xact: string }>(
    `SELECT pid, xact_start::text AS xact FROM pg_stat_activity
      WHERE application_name = ANY($1) AND pid <> pg_backend_pid()
        AND state LIKE 'idle in transaction%'`,
    [names],
  );
  return new Map(rows.map((row) => [row.pid, row.xact]));
}

/**
 * Transactions the asking services hold across the call. A Twilio call is held here for `holdMs`
 * before it goes on: a transaction held across it is idle at the call and still the same transaction
 * after the hold, while one another handler runs beside the call (idle between two of its statements
 * at that instant) has moved on. An rpc ask is not held: one look.
 */
async function openTransactions(services: string[], holdMs = 0): Promise<number> {
  const atCall = await idleInTransaction(services);
  if (holdMs === 0 || atCall.size === 0) return atCall.size;
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  const afterHold = await idleInTransaction(services);
  return [...atCall].filter(([pid, xact]) => afterHold.get(pid) === xact).length;
}

async function observe(call: string, services: string[], holdMs = 0): Promise<void> {
  if (run === '') return;
  observations.push({ call, services, openTransactions: await openTransactions(services, holdMs) });
}

/** Which service asks Twilio this: Verify is the phone service's; Lookup's fields tell fraud from identity. */
function twilioCaller(path: string, query: URLSearchParams): string[] {
  if (path.startsWith('/v2/Services/')) return ['phone'];
  const fields = query.get('Fields') ?? '';
  return fields.includes('caller_name') ? ['identity'] : ['fraud'];
}

beforeAll(async () => {
  database = await spawnEmbeddedPostgres({ port: await freePort(), databases: ['attestor'] });
  probe = new pg.Client({ connectionString: database.url('attestor') });
  await probe.connect();
  platform = await startPlatform(
    { DB_POOL_SIZE: '1', EXPIRY_SWEEP_MS: '3600000' },
    {
      databaseUrl: database.url('attestor'),
      twilioUrl: async (emulatorUrl) => {
        proxy = await startTwilioProxy(emulatorUrl, ({ path, query }) =>
          observe(`twilio ${path.split('/').slice(0, 4).join('/')}`, twilioCaller(path, query), 50),
        );
        return proxy.url;
      },
    },
  );
  run = platform.run;
  observer = await connect({ servers: TEST_NATS_URL });
  const askers: Record<string, string[]> = {
    'rpc.inquiry.lookup': ['phone', 'identity'],
    'rpc.fraud.assess': ['phone'],
  };
  observer.subscribe(`${normalizeNamespace(run)}rpc.>`, {
    callback: (error, message) => {
      if (error) return;
      const subject = message.subject.slice(normalizeNamespace(run).length);
      const services = askers[subject];
      if (services) void observe(subject, services);
    },
  });
  await observer.flush();
}, 120_000);

afterAll(async () => {
  await observer?.close();
  await platform?.stop();
  await proxy?.close();
  await probe?.end();
  await database?.stop();
});

describe('the whole flow on the embedded PostgreSQL with one connection per service', () => {
  it('runs createInquiry → code → database verification → decision, no transaction open across a network call', async () => {
    const created = await platform.gql<{ createAccount: { apiKey: string } }>(
      ADMIN_TOKEN,
      'mutation { createAccount(name: "Embedded") { apiKey } }',
    );
    const key = created.data!.createAccount.apiKey;
    const template = await platform.gql<{ createInquiryTemplate: { id: string } }>(
      key,
      'mutation { createInquiryTemplate(input: { name: "KYC", steps: [PHONE_OTP, DATABASE_NAME_MATCH] }) { id } }',
    );
    const phone = '+14155550142';
    await seedNumber(platform.emulator, {
      phoneNumber: phone,
      callerName: 'JANE DOE',
      callerType: 'CONSUMER',
      smsPumpingRiskScore: 4,
    });
    const inquiry = await platform.gql<{
      createInquiry: { inquiry: { id: string }; sessionToken: string };
    }>(
      key,
      `mutation($t: ID!) { createInquiry(input: { templateId: $t, fields: { nameFirst: "Jane", nameLast: "Doe", phoneNumber: "${phone}" } }) { inquiry { id } sessionToken } }`,
      { t: template.data!.createInquiryTemplate.id },
    );
    const { sessionToken } = inquiry.data!.createInquiry;
    const id = inquiry.data!.createInquiry.inquiry.id;
    const started = await platform.gql<{
      startPhoneVerification: { verification: { id: string; status: string } };
    }>(
      sessionToken,
      `mutation($i: ID!) { startPhoneVerification(inquiryId: $i, phoneNumber: "${phone}") { verification { id status } } }`,
      { i: id },
    );
    expect(started.errors).toBeUndefined();
    const verification = started.data!.startPhoneVerification.verification;
    expect(verification.status).toBe('PENDING');
    const checked = await platform.gql<{ checkPhoneVerification: { status: string } }>(
      sessionToken,
      `mutation($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }`,
      { v: verification.id, c: await latestCode(platform.emulator, phone) },
    );
    expect(checked.data?.checkPhoneVerification.status).toBe('APPROVED');

    const decided = await eventually(
      async () => {
        const result = await platform.gql<{
          inquiry: { status: string; databaseVerification: { nameMatch: { result: string } | null } | null };
        }>(
          key,
          `query($i: ID!) { inquiry(id: $i) { status databaseVerification { nameMatch { result } } } }`,
          {
            i: id,
          },
        );
        return result.data?.inquiry.status === 'APPROVED' && result.data.inquiry;
      },
      { what: 'the inquiry to be APPROVED', timeoutMs: 30_000 },
    );
    expect(decided.databaseVerification?.nameMatch?.result).toBe('EXACT_MATCH');

    const calls = observations.map((o) => o.call);
    expect(calls.filter((c) => c.startsWith('twilio')).length).toBeGreaterThanOrEqual(3);
    expect(calls).toContain('rpc.fraud.assess');
    expect(calls).toContain('rpc.inquiry.lookup');
    expect(observations.filter((o) => o.openTransactions > 0)).toEqual([]);
  }, 90_000);
});
