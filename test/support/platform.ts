/**
 * The whole platform in one test process: the Twilio emulator, the four subgraphs and the gateway,
 * each on port 0, sharing one NATS namespace and with one Postgres schema each. Real HTTP between
 * gateway and subgraphs, real NATS between services, real Postgres underneath.
 */
import type { Client } from 'graphql-ws';
import pg from 'pg';
import {
  emulatorControl,
  startEmulator,
  type NumberSeed,
  type RunningEmulator,
} from '@attestor/twilio-emulator';
import { parseConfig, startService, type RunningService, type ServiceConfig } from '@attestor/platform';
import {
  cleanupTestRun,
  TEST_DATABASE_URL,
  testEnvironment,
  uniqueName,
  type GraphQLResult,
} from '@attestor/platform/testing';
import { gatewayConfigShape } from '../../services/gateway/src/config.js';
import { startGateway, type RunningGateway } from '../../services/gateway/src/gateway.js';
import { gqlAt, wsAt } from './flow.js';
import { inquiryConfigShape, resolveInquiryConfig } from '../../services/inquiry/src/config.js';
import { inquiryService } from '../../services/inquiry/src/service.js';
import { phoneConfigShape } from '../../services/phone/src/config.js';
import { phoneService } from '../../services/phone/src/service.js';
import { fraudConfigShape } from '../../services/fraud/src/config.js';
import { fraudService } from '../../services/fraud/src/service.js';
import { identityConfigShape } from '../../services/identity/src/config.js';
import { identityService } from '../../services/identity/src/service.js';

type SubgraphName = 'inquiry' | 'phone' | 'fraud' | 'identity';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';

export interface Platform {
  run: string;
  gatewayUrl: string;
  emulator: RunningEmulator;
  gateway: RunningGateway;
  services: Record<'inquiry' | 'phone' | 'fraud' | 'identity', RunningService<ServiceConfig>>;
  /** A GraphQL request through the gateway with `token` as the bearer credential. */
  gql<T = Record<string, unknown>>(
    token: string | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResult<T>>;
  /** A graphql-ws client on the gateway's port and path. */
  ws(token: string): Client;
  /** A query on one service's own schema (`$schema` in the text is replaced by its name). */
  sql<T = Record<string, unknown>>(service: SubgraphName, text: string, params?: unknown[]): Promise<T[]>;
  /** One more gateway on the same NATS namespace (several instances serve clients); its subgraphs are
   * the first instances unless `overrides` names others (INQUIRY_URL…). */
  startGateway(overrides?: Record<string, string>): Promise<RunningGateway>;
  /** One more instance of a subgraph: same schema, NATS namespace and consumers, a port of its own. */
  startReplica(name: SubgraphName): Promise<RunningService<ServiceConfig>>;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /** The PostgreSQL the services, `sql` and the cleanup use (default TEST_DATABASE_URL). */
  databaseUrl?: string;
  /** Where the services' Twilio SDK goes instead of the emulator (a proxy in front of it, say). */
  twilioUrl?: (emulatorUrl: string) => Promise<string>;
}

/** How each subgraph starts from an environment (the inquiry's config needs resolving). */
const subgraphStarters: Record<
  SubgraphName,
  (environment: Record<string, string>) => Promise<RunningService<ServiceConfig>>
> = {
  inquiry: (environment) =>
    startService(inquiryService, resolveInquiryConfig(parseConfig(inquiryConfigShape, environment))),
  phone: (environment) => startService(phoneService, parseConfig(phoneConfigShape, environment)),
  fraud: (environment) => startService(fraudService, parseConfig(fraudConfigShape, environment)),
  identity: (environment) => startService(identityService, parseConfig(identityConfigShape, environment)),
};

export async function startPlatform(
  overrides: Record<string, string> = {},
  options: PlatformOptions = {},
): Promise<Platform> {
  const run = uniqueName('e2e');
  const emulator = await startEmulator({ port: 0 });
  const databaseUrl = options.databaseUrl ?? TEST_DATABASE_URL;
  const twilioUrl = options.twilioUrl ? await options.twilioUrl(emulator.url) : emulator.url;
  const env = (name: string): Record<string, string> =>
    testEnvironment(run, {
      DB_SCHEMA: `${name}_${run}`,
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN,
      TWILIO_EMULATOR_URL: twilioUrl,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      ...overrides,
    });
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const startSubgraph = async (name: SubgraphName): Promise<RunningService<ServiceConfig>> => {
      const instance = await subgraphStarters[name](env(name));
      started.push(instance);
      return instance;
    };
    const inquiry = await startSubgraph('inquiry');
    const fraud = await startSubgraph('fraud');
    const phone = await startSubgraph('phone');
    const identity = await startSubgraph('identity');
    const newGateway = async (gatewayOverrides: Record<string, string> = {}) => {
      const instance = await startGateway(
        parseConfig(gatewayConfigShape, {
          ...env('gateway'),
          RATE_LIMIT_DB_SCHEMA: `gateway_${run}`,
          INQUIRY_URL: inquiry.url,
          PHONE_URL: phone.url,
          FRAUD_URL: fraud.url,
          IDENTITY_URL: identity.url,
          ...gatewayOverrides,
        }),
      );
      started.push(instance);
      return instance;
    };
    const gateway = await newGateway();
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    started.push({ stop: () => pool.end() });
    const gatewayUrl = `http://127.0.0.1:${gateway.port}/graphql`;
    return {
      run,
      gatewayUrl,
      emulator,
      gateway,
      services: { inquiry, phone, fraud, identity } as Platform['services'],
      gql: gqlAt(gatewayUrl),
      ws: (token) => wsAt(gatewayUrl, token),
      sql: async (service, text, params = []) =>
        (await pool.query(text.replaceAll('$schema', `"${service}_${run}"`), params)).rows,
      startGateway: newGateway,
      startReplica: startSubgraph,
      stop: async () => {
        for (const part of started.reverse()) await part.stop();
        await emulator.close();
        await cleanupTestRun(
          run,
          ['inquiry', 'phone', 'fraud', 'identity', 'gateway'].map((name) => `${name}_${run}`),
          databaseUrl,
        );
      },
    };
  } catch (error) {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
    await emulator.close();
    throw error;
  }
}

/** The latest code the emulator "sent" to a number. */
export function latestCode(emulator: RunningEmulator, to: string): Promise<string> {
  return emulatorControl(emulator.url).latestCode(to);
}

/** Seeds a number at the emulator (caller name, line type, pumping score…). */
export function seedNumber(emulator: RunningEmulator, seed: NumberSeed): Promise<void> {
  return emulatorControl(emulator.url).seed(seed);
}
