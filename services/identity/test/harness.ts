import type { EventEnvelope, EventType, RpcReply, VerificationStep } from '@attestor/contracts';
import {
  createLogger,
  NatsBus,
  parseConfig,
  PiiCipher,
  responder,
  startService,
  type Caller,
  type RunningService,
  type Worker,
} from '@attestor/platform';
import {
  callSubgraph,
  cleanupTestRun,
  inquiryLookupStandIn,
  recordEvents,
  testPlatformConfig,
} from '@attestor/platform/testing';
import {
  emulatorControl,
  startEmulator,
  type NumberSeed,
  type RunningEmulator,
} from '@attestor/twilio-emulator';
import { identityConfigShape, type IdentityConfig } from '../src/config.js';
import { identityService } from '../src/service.js';

/** What the stand-in inquiry service knows about an inquiry. */
export interface InquiryRecord {
  id: string;
  accountId: string;
  steps: VerificationStep[];
  name: { first?: string; middle?: string; last?: string } | null;
  redacted?: boolean;
  /** The template asks Lookup identity_match too. */
  identityMatch?: boolean;
}

export interface IdentityHarness {
  config: IdentityConfig;
  service: RunningService<IdentityConfig>;
  emulator: RunningEmulator;
  bus: NatsBus;
  pii: PiiCipher;
  /** Inquiries the stand-in `rpc.inquiry.lookup` responder answers for. */
  inquiries: Map<string, InquiryRecord>;
  lookups(): number;
  inquiryLookups(): number;
  published(type: EventType): EventEnvelope[];
  sql<T>(query: string, parameters?: unknown[]): Promise<T[]>;
  gql<T = Record<string, unknown>>(
    caller: Caller,
    query: string,
    variables?: Record<string, unknown>,
  ): ReturnType<typeof callSubgraph<T>>;
  seed(number: NumberSeed): Promise<void>;
  stop(): Promise<void>;
}

export async function startIdentityHarness(
  run: string,
  options: { emulatorUrl?: string } = {},
): Promise<IdentityHarness> {
  let lookupCount = 0;
  let inquiryLookupCount = 0;
  const emulator = await startEmulator({
    port: 0,
    onRequest: (entry) => {
      if (entry.path.startsWith('/v2/PhoneNumbers/')) lookupCount += 1;
    },
  });
  const schema = `identity_${run}`;
  const config: IdentityConfig = {
    ...parseConfig(identityConfigShape, { TWILIO_EMULATOR_URL: options.emulatorUrl ?? emulator.url }),
    ...testPlatformConfig(run),
    PORT: 0,
    DB_SCHEMA: schema,
  };
  const pii = new PiiCipher(config.PII_KEY);
  const logger = createLogger({ service: 'identity-test', level: 'silent', format: 'json' });
  const bus = await NatsBus.connect({ url: config.NATS_URL, namespace: run, name: 'identity-test', logger });
  await bus.ensureStream();
  const inquiries = new Map<string, InquiryRecord>();
  const replyOf = (found: InquiryRecord): NonNullable<RpcReply<'rpc.inquiry.lookup'>['inquiry']> => ({
    id: found.id,
    accountId: found.accountId,
    status: 'PENDING' as const,
    steps: found.steps,
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    redacted: found.redacted ?? false,
    accountName: 'Test account',
    phoneCountryCode: null,
    identityMatch: found.identityMatch ?? false,
    nameSealed:
      found.name && !found.redacted
        ? {
            first: pii.sealNullable(found.name.first),
            middle: pii.sealNullable(found.name.middle),
            last: pii.sealNullable(found.name.last),
          }
        : null,
  });
  const lookup = inquiryLookupStandIn((id) => {
    const found = inquiries.get(id);
    return found && replyOf(found);
  });
  const inquiryService: Worker = responder(bus, 'rpc.inquiry.lookup', 'inquiry', logger, async (body) => {
    inquiryLookupCount += 1;
    return lookup(body);
  });
  await inquiryService.start();
  const service = await startService(identityService, config);
  const recorder = recordEvents(bus, 'identity.>');
  return {
    config,
    service,
    emulator,
    bus,
    pii,
    inquiries,
    lookups: () => lookupCount,
    inquiryLookups: () => inquiryLookupCount,
    published: recorder.ofType,
    sql: async (query, parameters = []) =>
      (await service.deps.dataSource.query(query, parameters)) as never[],
    gql: (caller, query, variables = {}) =>
      callSubgraph(service.url, config.CONTEXT_SECRET, caller, query, variables),
    seed: emulatorControl(emulator.url).seed,
    stop: async () => {
      recorder.stop();
      await service.stop();
      await inquiryService.stop();
      await bus.close();
      await emulator.close();
      await cleanupTestRun(run, [schema]);
    },
  };
}
