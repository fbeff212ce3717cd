import pg from 'pg';
import {
  uuidv7,
  type EventEnvelope,
  type RpcReply,
  type RpcReplyInput,
  type RpcRequest,
} from '@attestor/contracts';
import {
  createLogger,
  NatsBus,
  parseConfig,
  responder,
  startService,
  type Caller,
  type RunningService,
  type Worker,
} from '@attestor/platform';
import {
  callSubgraph,
  cleanupTestRun,
  eventually,
  partnerCaller,
  publishEvent,
  recordEvents,
  sessionCaller,
  TEST_DATABASE_URL,
  TestClock,
  inquiryLookupStandIn,
  testPlatformConfig,
  uniqueName,
  type GraphQLResult,
} from '@attestor/platform/testing';
import {
  emulatorControl,
  startEmulator,
  type EmulatorControl,
  type FaultInput,
  type NumberSeed,
  type OutboxMessage,
  type RequestLogEntry,
  type RunningEmulator,
} from '@attestor/twilio-emulator';
import { phoneConfigShape, type PhoneConfig } from '../src/config.js';
import { phoneService } from '../src/service.js';

export type Inquiry = NonNullable<RpcReply<'rpc.inquiry.lookup'>['inquiry']>;
export type FraudAsk = RpcRequest<'rpc.fraud.assess'>;
export type FraudReply = RpcReplyInput<'rpc.fraud.assess'>;

/** Every field of PhoneVerification, for queries. */
export const VERIFICATION_FIELDS = `id inquiry { id } phoneNumberMasked countryCode channel status checkAttempts
  sendAttempts createdAt expiresAt approvedAt challenge { algorithm challenge salt signature maxNumber }`;

export interface Verification {
  id: string;
  inquiry: { id: string };
  phoneNumberMasked: string;
  countryCode: string;
  channel: string;
  status: string;
  checkAttempts: number;
  sendAttempts: number;
  createdAt: string;
  expiresAt: string;
  approvedAt: string | null;
  challenge: {
    algorithm: string;
    challenge: string;
    salt: string;
    signature: string;
    maxNumber: number;
  } | null;
}

const START = `mutation($inquiryId: ID!, $phoneNumber: String!, $channel: PhoneChannel, $locale: String,
    $defaultCountry: String, $challengeSolution: String) {
  startPhoneVerification(inquiryId: $inquiryId, phoneNumber: $phoneNumber, channel: $channel, locale: $locale,
    defaultCountry: $defaultCountry, challengeSolution: $challengeSolution) {
    verification { ${VERIFICATION_FIELDS} }
  }
}`;
const CHECK = `mutation($id: ID!, $code: String!) { checkPhoneVerification(verificationId: $id, code: $code) { ${VERIFICATION_FIELDS} } }`;
const RESEND = `mutation($id: ID!, $channel: PhoneChannel, $challengeSolution: String) {
  resendPhoneVerification(verificationId: $id, channel: $channel, challengeSolution: $challengeSolution) { ${VERIFICATION_FIELDS} }
}`;
const CANCEL = `mutation($id: ID!) { cancelPhoneVerification(verificationId: $id) { ${VERIFICATION_FIELDS} } }`;

/** A deferred the fraud stand-in waits on to stay silent (a timeout) until the test lets it go. */
interface Gate {
  promise: Promise<void>;
  open(): void;
}
function gate(): Gate {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * One phone service on its own schema and namespace, the Twilio emulator, and stand-ins for the
 * inquiry and fraud services answering on the test's namespace. Events are observed by subscribing
 * to the namespace's `phone.verification.>` subjects.
 */
export class PhoneHarness {
  readonly run = uniqueName('phone');
  readonly schema = `phone_${this.run}`;
  readonly accountId = uuidv7();
  readonly otherAccountId = uuidv7();
  readonly inquiries = new Map<string, Inquiry>();
  readonly fraudAsks: FraudAsk[] = [];
  /** What the fraud stand-in answers; `silent` keeps it from answering in time. */
  readonly allow = (ask: FraudAsk): FraudReply => ({
    assessmentId: `ra_${ask.verificationId}`,
    decision: 'ALLOW',
    score: 5,
    reasons: [],
  });
  fraud: (ask: FraudAsk) => FraudReply | 'silent' = this.allow;
  /** The time the service goes by; `advance` moves it and the emulator's together. */
  readonly clock = new TestClock();
  /** Every Twilio request the emulator answered (control endpoints left out). */
  readonly twilioRequests: RequestLogEntry[] = [];
  /**
   * While set, every Twilio call and fraud ask looks at the phone service's connections in flight: a
   * transaction open both when the call arrives and 100 ms later spans the call, and is recorded here.
   */
  watchTransactions = false;
  /** Awaited while each Twilio request is in flight, before the emulator acts on it (by operation). */
  whileTwilio: ((operation: string) => Promise<void> | void) | undefined;
  readonly transactionsAcrossCalls: string[] = [];
  readonly callsWatched: string[] = [];
  private observer: pg.Pool | undefined;
  emulator!: RunningEmulator;
  service!: RunningService<PhoneConfig>;
  config!: PhoneConfig;
  bus!: NatsBus;
  private twilio!: EmulatorControl;
  private readonly extra: RunningService<PhoneConfig>[] = [];
  private readonly standIns: Worker[] = [];
  private recorder: ReturnType<typeof recordEvents> | undefined;
  private silence = gate();
  private nextNumber = 0;

  constructor(private readonly overrides: Partial<PhoneConfig> = {}) {}

  /** Events published on the namespace's `phone.verification.>` subjects since `start`. */
  get events(): EventEnvelope[] {
    return this.recorder?.events ?? [];
  }

  async start(): Promise<void> {
    this.observer = new pg.Pool({
      connectionString: TEST_DATABASE_URL,
      max: 2,
      application_name: 'phone-test-observer',
    });
    this.emulator = await startEmulator({
      port: 0,
      onRequest: (entry) => {
        if (entry.path.startsWith('/v2/')) this.twilioRequests.push(entry);
      },
      whileInFlight: async (request) => {
        await this.lookForTransactions(`Twilio ${request.operation}`);
        await this.whileTwilio?.(request.operation);
      },
    });
    this.twilio = emulatorControl(this.emulator.url);
    this.config = this.configFor(this.overrides);
    const logger = createLogger({ service: 'phone-test', level: 'silent', format: 'json' });
    this.bus = await NatsBus.connect({
      url: this.config.NATS_URL,
      namespace: this.run,
      name: 'phone-test',
      logger,
    });
    await this.bus.ensureStream();
    this.recorder = recordEvents(this.bus, 'phone.verification.>');
    // The inquiry service as other tests prove it answers (test/rpc-contract.test.ts), on this clock.
    const lookup = inquiryLookupStandIn(
      (inquiryId) => this.inquiries.get(inquiryId),
      () => this.clock.now(),
    );
    this.standIns.push(
      responder(this.bus, 'rpc.inquiry.lookup', 'inquiry', logger, async (ask) => {
        await this.lookForTransactions('rpc.inquiry.lookup');
        return lookup(ask);
      }),
      responder(this.bus, 'rpc.fraud.assess', 'fraud', logger, async (ask) => {
        this.fraudAsks.push(ask);
        await this.lookForTransactions('rpc.fraud.assess');
        const reply = this.fraud(ask);
        if (reply !== 'silent') return reply;
        await this.silence.promise;
        return { assessmentId: 'ra_late', decision: 'ALLOW', score: 0, reasons: [] };
      }),
    );
    for (const standIn of this.standIns) await standIn.start();
    this.service = await startService(phoneService, this.config, { clock: this.clock });
  }

  /** See `watchTransactions`. */
  private async lookForTransactions(call: string): Promise<void> {
    if (!this.watchTransactions || this.observer === undefined) return;
    const open = async () =>
      new Set(
        (
          await this.observer!.query<{ pid: number; xact_start: Date }>(
            `SELECT pid, xact_start FROM pg_stat_activity
              WHERE application_name = $1 AND xact_start IS NOT NULL`,
            [`attestor-${this.schema}`],
          )
        ).rows.map((row) => `${row.pid}@${row.xact_start.toISOString()}`),
      );
    const before = await open();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await open();
    this.callsWatched.push(call);
    for (const transaction of before) {
      if (after.has(transaction)) this.transactionsAcrossCalls.push(`${call}: ${transaction}`);
    }
  }

  async stop(): Promise<void> {
    this.silence.open();
    for (const service of [...this.extra, this.service]) await service?.stop();
    for (const standIn of this.standIns) await standIn.stop();
    this.recorder?.stop();
    await this.bus?.close();
    await this.emulator?.close();
    await this.observer?.end();
    await cleanupTestRun(this.run, [this.schema]);
  }

  /** The service's config with `overrides`: same schema, namespace and emulator. */
  configFor(overrides: Partial<PhoneConfig>): PhoneConfig {
    return {
      ...parseConfig(phoneConfigShape, {}),
      ...testPlatformConfig(this.run, { RPC_TIMEOUT_MS: '1000' }),
      PORT: 0,
      DB_SCHEMA: this.schema,
      TWILIO_EMULATOR_URL: this.emulator.url,
      TWILIO_RETRY_BASE_MS: 5,
      // Quick to solve in a test; the production default is 100 000.
      CHALLENGE_MAX_NUMBER: 2000,
      ...overrides,
    };
  }

  /** A second instance of the service on the same schema and namespace (stopped with the harness). */
  async startAnother(overrides: Partial<PhoneConfig>): Promise<RunningService<PhoneConfig>> {
    const another = await startService(phoneService, this.configFor(overrides), { clock: this.clock });
    this.extra.push(another);
    return another;
  }

  /** Lets a silent fraud stand-in answer (late) and arms a new silence for the next test. */
  releaseFraud(): void {
    this.silence.open();
    this.silence = gate();
  }

  // ------------------------------------------------------------------------------------------ fixtures

  /** An open inquiry (CREATED, phone step) of the test's account unless told otherwise. */
  inquiry(fields: Partial<Inquiry> = {}): Inquiry {
    const inquiry: Inquiry = {
      id: uuidv7(),
      accountId: this.accountId,
      status: 'CREATED',
      steps: ['PHONE_OTP', 'DATABASE_NAME_MATCH'],
      expiresAt: new Date(this.clock.now().getTime() + 24 * 3600_000).toISOString(),
      redacted: false,
      accountName: 'Test account',
      phoneCountryCode: null,
      identityMatch: false,
      nameSealed: null,
      ...fields,
    };
    this.inquiries.set(inquiry.id, inquiry);
    return inquiry;
  }

  /** A fresh valid US number per call: the emulator re-uses a pending verification per destination. */
  phoneNumber(): string {
    const n = this.nextNumber++;
    if (n >= 98) throw new Error('the harness has run out of test numbers');
    return `+1415555${String(200 + n).padStart(4, '0')}`;
  }

  partner(accountId = this.accountId): Caller {
    return partnerCaller(accountId);
  }

  session(inquiryId: string, accountId = this.accountId): Caller {
    return sessionCaller(accountId, inquiryId);
  }

  // ------------------------------------------------------------------------------------------ calls

  gql<T = Record<string, unknown>>(
    caller: Caller,
    query: string,
    variables: Record<string, unknown> = {},
    service: RunningService<PhoneConfig> = this.service,
  ): Promise<GraphQLResult<T>> {
    return callSubgraph<T>(service.url, this.config.CONTEXT_SECRET, caller, query, variables);
  }

  async startVerification(
    caller: Caller,
    variables: {
      inquiryId: string;
      phoneNumber: string;
      channel?: string | null;
      locale?: string | null;
      defaultCountry?: string | null;
      challengeSolution?: string | null;
    },
    service: RunningService<PhoneConfig> = this.service,
  ) {
    const result = await this.gql<{ startPhoneVerification: { verification: Verification } }>(
      caller,
      START,
      variables,
      service,
    );
    return { result, verification: result.data?.startPhoneVerification.verification };
  }

  async check(caller: Caller, id: string, code: string) {
    const result = await this.gql<{ checkPhoneVerification: Verification }>(caller, CHECK, { id, code });
    return { result, verification: result.data?.checkPhoneVerification };
  }

  async resend(caller: Caller, id: string, channel?: string | null, challengeSolution?: string | null) {
    const result = await this.gql<{ resendPhoneVerification: Verification }>(caller, RESEND, {
      id,
      channel,
      challengeSolution,
    });
    return { result, verification: result.data?.resendPhoneVerification };
  }

  async cancel(caller: Caller, id: string) {
    const result = await this.gql<{ cancelPhoneVerification: Verification }>(caller, CANCEL, { id });
    return { result, verification: result.data?.cancelPhoneVerification };
  }

  /** Starts a verification that Twilio sent, for tests of what follows. */
  async started(inquiry: Inquiry = this.inquiry(), phoneNumber = this.phoneNumber()) {
    const { result, verification } = await this.startVerification(this.partner(inquiry.accountId), {
      inquiryId: inquiry.id,
      phoneNumber,
    });
    if (!verification) throw new Error(`start failed: ${JSON.stringify(result.errors)}`);
    return { inquiry, phoneNumber, verification };
  }

  // ------------------------------------------------------------------------------------------ observations

  outbox(to: string): Promise<OutboxMessage[]> {
    return this.twilio.outbox(to);
  }

  /** The newest code the emulator delivered to `to`. */
  code(to: string): Promise<string> {
    return this.twilio.latestCode(to);
  }

  advanceTwilioClock(seconds: number): Promise<void> {
    return this.twilio.advanceClock(seconds);
  }

  /** Moves time forward for the service and for Twilio alike. */
  async advance(seconds: number): Promise<void> {
    this.clock.advanceBy(seconds * 1000);
    await this.twilio.advanceClock(seconds);
  }

  /**
   * Checks `code` at Twilio itself, past the service: what Twilio knows after a check of the service
   * whose answer never came back (it timed out after Twilio approved, or the process died first).
   */
  async checkAtTwilio(sid: string, code: string): Promise<string> {
    return this.verifyApi('/VerificationCheck', { VerificationSid: sid, Code: code });
  }

  /** Cancels a verification at Twilio itself, past the service. */
  async cancelAtTwilio(sid: string): Promise<string> {
    return this.verifyApi(`/Verifications/${sid}`, { Status: 'canceled' });
  }

  /** A POST to the Verify service at the emulator with the service's credentials; the status it answers. */
  private async verifyApi(path: string, form: Record<string, string>): Promise<string> {
    const { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_VERIFY_SERVICE_SID } = this.config;
    const credentials = Buffer.from(`${TWILIO_ACCOUNT_SID}:${TWILIO_AUTH_TOKEN}`).toString('base64');
    const response = await fetch(`${this.emulator.url}/v2/Services/${TWILIO_VERIFY_SERVICE_SID}${path}`, {
      method: 'POST',
      headers: { authorization: `Basic ${credentials}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    if (!response.ok) throw new Error(`Twilio answered ${response.status} to ${path}`);
    return ((await response.json()) as { status: string }).status;
  }

  fault(fault: FaultInput): Promise<void> {
    return this.twilio.fault(fault);
  }

  seed(number: NumberSeed): Promise<void> {
    return this.twilio.seed(number);
  }

  /** Twilio requests answered since `mark` (an index of `twilioRequests`). */
  twilioSince(mark: number): RequestLogEntry[] {
    return this.twilioRequests.slice(mark);
  }

  /** The Verify operations (send, check, fetch, update) answered since `mark`, with their HTTP status. */
  verifySince(mark: number): string[] {
    return this.twilioSince(mark).map((entry) => `${operationOf(entry)} ${entry.status}`);
  }

  /** Stops the service and starts it again on the same schema: only what is in Postgres survives. */
  async restart(): Promise<void> {
    await this.service.stop();
    this.service = await startService(phoneService, this.config, { clock: this.clock });
  }

  /** The event of `type` about `subjectId`, once it has been published. */
  event(type: string, subjectId: string): Promise<EventEnvelope> {
    return eventually(() => this.events.find((e) => e.type === type && e.subjectId === subjectId), {
      what: `${type} for ${subjectId}`,
    });
  }

  eventsOf(subjectId: string): EventEnvelope[] {
    return this.events.filter((e) => e.subjectId === subjectId);
  }

  /** Publishes `inquiry.redacted` as the inquiry service would. */
  async publishRedaction(inquiry: Inquiry): Promise<void> {
    await publishEvent(this.bus, 'inquiry.redacted', {
      accountId: inquiry.accountId,
      subjectId: inquiry.id,
      data: { redactedAt: this.clock.now().toISOString() },
    });
  }

  /** A row of this service's table, straight from Postgres. */
  async row(id: string): Promise<Record<string, unknown> | undefined> {
    const rows = (await this.service.deps.dataSource.query(
      `SELECT * FROM "${this.schema}".phone_verifications WHERE id = $1`,
      [id],
    )) as Array<Record<string, unknown>>;
    return rows[0];
  }

  async sendAttempts(verificationId: string): Promise<Array<{ channel: string; outcome: string }>> {
    return (await this.service.deps.dataSource.query(
      `SELECT channel, outcome FROM "${this.schema}".send_attempts WHERE verification_id = $1 ORDER BY created_at, id`,
      [verificationId],
    )) as Array<{ channel: string; outcome: string }>;
  }

  async sql(query: string, parameters: unknown[] = []): Promise<unknown> {
    return this.service.deps.dataSource.query(query.replaceAll('$schema', `"${this.schema}"`), parameters);
  }
}

/** A Verify or Lookup request by what it does. */
export function operationOf(entry: RequestLogEntry): string {
  if (entry.path.endsWith('/VerificationCheck')) return 'check';
  if (entry.path.endsWith('/Verifications')) return 'send';
  if (/\/Verifications\/VE/.test(entry.path)) return entry.method === 'GET' ? 'fetch' : 'update';
  if (entry.path.startsWith('/v2/Attempts')) return 'attempts';
  return 'lookup';
}

export function errorOf(result: GraphQLResult<unknown>) {
  const [error] = result.errors ?? [];
  return { code: error?.extensions?.code, message: error?.message, extensions: error?.extensions };
}
