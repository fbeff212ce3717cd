import type { EventEnvelope, EventType } from '@attestor/contracts';
import {
  createLogger,
  NatsBus,
  parseConfig,
  PiiCipher,
  startService,
  type Caller,
  type Clock,
  type RunningService,
} from '@attestor/platform';
import { callSubgraph, cleanupTestRun, recordEvents, testPlatformConfig } from '@attestor/platform/testing';
import {
  emulatorControl,
  startEmulator,
  type NumberSeed,
  type RunningEmulator,
} from '@attestor/twilio-emulator';
import { fraudConfigShape, type FraudConfig } from '../src/config.js';
import { fraudService } from '../src/service.js';

/** One fraud service on its own schema and namespace, the emulator, and a bus of the test's own. */
export interface FraudHarness {
  run: string;
  config: FraudConfig;
  service: RunningService<FraudConfig>;
  emulator: RunningEmulator;
  bus: NatsBus;
  pii: PiiCipher;
  /** Raw SQL on the service's own schema, for what the API does not show (hashes, cache rows). */
  sql<T>(query: string, parameters?: unknown[]): Promise<T[]>;
  /** Lookup requests the emulator answered so far. */
  lookups(): number;
  /** Events published on `<type>.>` since the harness started. */
  published(type: EventType): EventEnvelope[];
  gql<T = Record<string, unknown>>(
    caller: Caller,
    query: string,
    variables?: Record<string, unknown>,
  ): ReturnType<typeof callSubgraph<T>>;
  seed(number: NumberSeed): Promise<void>;
  /** Another instance of the service on the same schema and namespace (a replica). */
  replica(): Promise<RunningService<FraudConfig>>;
  stop(): Promise<void>;
}

export async function startFraudHarness(
  run: string,
  options: { emulatorUrl?: string; env?: Record<string, string>; clock?: Clock } = {},
): Promise<FraudHarness> {
  let lookupCount = 0;
  const emulator = await startEmulator({
    port: 0,
    onRequest: (entry) => {
      if (entry.path.startsWith('/v2/PhoneNumbers/')) lookupCount += 1;
    },
  });
  const schema = `fraud_${run}`;
  const config: FraudConfig = {
    ...parseConfig(fraudConfigShape, {
      TWILIO_EMULATOR_URL: options.emulatorUrl ?? emulator.url,
      ...options.env,
    }),
    ...testPlatformConfig(run),
    PORT: 0,
    DB_SCHEMA: schema,
  };
  const start = () => startService(fraudService, config, options.clock ? { clock: options.clock } : {});
  const service = await start();
  const replicas: Array<RunningService<FraudConfig>> = [];
  const bus = await NatsBus.connect({
    url: config.NATS_URL,
    namespace: run,
    name: 'fraud-test',
    logger: createLogger({ service: 'fraud-test', level: 'silent', format: 'json' }),
  });
  const recorder = recordEvents(bus, 'fraud.>');
  return {
    run,
    config,
    service,
    emulator,
    bus,
    pii: new PiiCipher(config.PII_KEY),
    sql: async (query, parameters = []) =>
      (await service.deps.dataSource.query(query, parameters)) as never[],
    lookups: () => lookupCount,
    published: recorder.ofType,
    gql: (caller, query, variables = {}) =>
      callSubgraph(service.url, config.CONTEXT_SECRET, caller, query, variables),
    seed: emulatorControl(emulator.url).seed,
    replica: async () => {
      const replica = await start();
      replicas.push(replica);
      return replica;
    },
    stop: async () => {
      recorder.stop();
      for (const replica of replicas) await replica.stop();
      await service.stop();
      await bus.close();
      await emulator.close();
      await cleanupTestRun(run, [schema]);
    },
  };
}
