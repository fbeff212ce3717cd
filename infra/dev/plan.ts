import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import {
  parseConfig,
  platformConfigShape,
  portVariable,
  type PlatformConfig,
} from '@attestor/platform/config';

/**
 * What `npm start` will run, worked out from the environment alone (no I/O): ports, URLs and each
 * child's environment. The launcher's I/O (probing, spawning, waiting) lives in the other modules.
 */

export const subgraphNames = ['inquiry', 'phone', 'fraud', 'identity'] as const;
export type SubgraphName = (typeof subgraphNames)[number];
export type ServiceName = SubgraphName | 'gateway';

/** The subgraphs that call Twilio and so need the emulator's URL when it runs. */
const twilioUsers: readonly SubgraphName[] = ['phone', 'fraud', 'identity'];

/** Offsets from the port base: the defaults are base 4000. */
const portOffsets = { gateway: 0, inquiry: 1, phone: 2, fraud: 3, identity: 4, emulator: 10 } as const;
export type Ports = { [K in keyof typeof portOffsets]: number };
export const DEFAULT_PORT_BASE = 4000;

export function portsFrom(base: number = DEFAULT_PORT_BASE): Ports {
  return Object.fromEntries(
    Object.entries(portOffsets).map(([name, offset]) => [name, base + offset]),
  ) as Ports;
}

/** The launcher's own variables; everything else it validates as the services would (platformConfigShape). */
const launcherOnlyShape = {
  ATTESTOR_PORT_BASE: portVariable
    .min(1)
    .max(65_535 - portOffsets.emulator)
    .optional(),
  /** Each child writes V8 CPU profiles (`--cpu-prof`) under <dir>/<child>/ when it exits. */
  CPU_PROFILE_DIR: z
    .string()
    .refine(isAbsolute, 'must be an absolute path (each child writes its profiles under it)')
    .optional(),
} satisfies z.ZodRawShape;

export const twilioCredentialNames = [
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_VERIFY_SERVICE_SID',
] as const;

export type TwilioMode = { kind: 'emulator' } | { kind: 'real' };

export class LaunchError extends Error {
  override name = 'LaunchError';
}

export interface LauncherConfig {
  platform: PlatformConfig;
  ports: Ports;
  twilio: TwilioMode;
  /** The address the launcher uses to reach the children (a wildcard bind address is reached on loopback). */
  localHost: string;
  /** Where the children write CPU profiles, when asked for (CPU_PROFILE_DIR). */
  cpuProfileDir: string | null;
}

/** Parses the environment once; throws ConfigError (from the platform) or LaunchError with one line to print. */
export function parseLauncherConfig(env: Record<string, string | undefined>): LauncherConfig {
  const own = parseConfig(launcherOnlyShape, env);
  const platform = parseConfig(platformConfigShape, env);
  return {
    platform,
    ports: portsFrom(own.ATTESTOR_PORT_BASE),
    twilio: twilioModeOf(env),
    localHost: reachableHost(platform.HOST),
    cpuProfileDir: own.CPU_PROFILE_DIR ?? null,
  };
}

/**
 * Real Twilio: the account SID, the Verify service SID and a credential — the auth token, or an API
 * key with its secret. None of them: the emulator. Some: a mistake worth stopping for.
 */
export function twilioModeOf(env: Record<string, string | undefined>): TwilioMode {
  const given = (name: string) => (env[name] ?? '') !== '';
  const apiKey = given('TWILIO_API_KEY') || given('TWILIO_API_SECRET');
  const needed: readonly string[] = apiKey
    ? ['TWILIO_ACCOUNT_SID', 'TWILIO_API_KEY', 'TWILIO_API_SECRET', 'TWILIO_VERIFY_SERVICE_SID']
    : twilioCredentialNames;
  const set = needed.filter(given);
  if (set.length === 0) return { kind: 'emulator' };
  if (set.length === needed.length) return { kind: 'real' };
  const missing = needed.filter((name) => !set.includes(name));
  throw new LaunchError(
    `Twilio: ${set.join(', ')} set but ${missing.join(', ')} not: set ${needed.join(', ')} for real Twilio (an auth token or an API key and its secret), or none for the emulator`,
  );
}

export function reachableHost(bindHost: string): string {
  if (bindHost === '0.0.0.0') return '127.0.0.1';
  if (bindHost === '::') return '::1';
  return bindHost;
}

/** True for an address on this machine, the only kind where the launcher may start a server itself. */
export function isLocalHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

export function httpBase(host: string, port: number): string {
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

/** Variables a child must never inherit from the launcher's environment: the launcher sets them per child. */
const perChildVariables = new Set([
  'PORT',
  'DB_SCHEMA',
  'INQUIRY_URL',
  'PHONE_URL',
  'FRAUD_URL',
  'IDENTITY_URL',
  'EMULATOR_PORT',
  'EMULATOR_HOST',
  'ATTESTOR_PORT_BASE',
  'CPU_PROFILE_DIR',
]);

export interface ChildPlan {
  name: ServiceName | 'twilio';
  /** Path of the entry point, relative to the repository root. */
  entry: string;
  /** Node options before the entry point (the CPU profiler when CPU_PROFILE_DIR is set). */
  nodeArgs: string[];
  env: Record<string, string>;
  /** Answers 200 once the child can take traffic. */
  readyUrl: string;
}

export interface ResolvedInfrastructure {
  databaseUrl: string;
  natsUrl: string;
}

export interface PlanOptions {
  /** Pretty, coloured logs: a person watches the children's lines on a terminal (--verbose). */
  terminal: boolean;
  /** Where the emulator keeps its state across restarts (in `.data/`), unless EMULATOR_STATE_PATH says. */
  emulatorStatePath?: string;
}

/**
 * The children and their environments: the launcher's environment passes through (secrets, NATS_NAMESPACE,
 * LOG_LEVEL…), except what the launcher decides per child.
 */
export function planChildren(
  config: LauncherConfig,
  infrastructure: ResolvedInfrastructure,
  env: Record<string, string | undefined>,
  options: PlanOptions,
): ChildPlan[] {
  const { ports, localHost } = config;
  const inherited: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !perChildVariables.has(name)) inherited[name] = value;
  }
  const shared: Record<string, string> = {
    ...inherited,
    DATABASE_URL: infrastructure.databaseUrl,
    NATS_URL: infrastructure.natsUrl,
  };
  if (options.terminal && (env['LOG_FORMAT'] ?? '') === '') shared['LOG_FORMAT'] = 'pretty';

  const emulatorUrl = httpBase(localHost, ports.emulator);
  const children: Array<Omit<ChildPlan, 'nodeArgs'>> = [];
  if (config.twilio.kind === 'emulator') {
    children.push({
      name: 'twilio',
      entry: 'infra/twilio-emulator/src/main.ts',
      env: {
        ...(options.emulatorStatePath !== undefined && { EMULATOR_STATE_PATH: options.emulatorStatePath }),
        ...inherited,
        EMULATOR_PORT: String(ports.emulator),
        EMULATOR_HOST: config.platform.HOST,
      },
      readyUrl: `${emulatorUrl}/health`,
    });
  }
  for (const name of subgraphNames) {
    const own: Record<string, string> = { PORT: String(ports[name]) };
    if (config.twilio.kind === 'emulator' && twilioUsers.includes(name))
      own['TWILIO_EMULATOR_URL'] = emulatorUrl;
    children.push({
      name,
      entry: `services/${name}/src/main.ts`,
      env: { ...shared, ...own },
      readyUrl: `${httpBase(localHost, ports[name])}/ready`,
    });
  }
  children.push({
    name: 'gateway',
    entry: 'services/gateway/src/main.ts',
    env: {
      ...shared,
      PORT: String(ports.gateway),
      INQUIRY_URL: subgraphUrl(localHost, ports.inquiry),
      PHONE_URL: subgraphUrl(localHost, ports.phone),
      FRAUD_URL: subgraphUrl(localHost, ports.fraud),
      IDENTITY_URL: subgraphUrl(localHost, ports.identity),
    },
    readyUrl: `${httpBase(localHost, ports.gateway)}/ready`,
  });
  return children.map((child) => ({
    ...child,
    nodeArgs:
      config.cpuProfileDir === null
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${join(config.cpuProfileDir, child.name)}`],
  }));
}

/** The ports the children will listen on, named by child (the emulator's only when it runs). */
export function listeningPorts(config: LauncherConfig): Array<{ name: string; port: number }> {
  const { ports } = config;
  return [
    { name: 'gateway', port: ports.gateway },
    ...subgraphNames.map((name) => ({ name, port: ports[name] })),
    ...(config.twilio.kind === 'emulator' ? [{ name: 'twilio emulator', port: ports.emulator }] : []),
  ];
}

function subgraphUrl(host: string, port: number): string {
  return `${httpBase(host, port)}/graphql`;
}

/** The URL with another database name (keeps credentials, host, port and parameters). */
export function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export function databaseNameOf(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  return name === '' ? 'postgres' : name;
}

/** Host and port of a postgres:// or nats:// URL, with the protocol's default port. */
export function addressOf(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? defaultPort : Number(parsed.port),
  };
}
