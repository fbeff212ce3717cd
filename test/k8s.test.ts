import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import {
  parseConfig,
  platformConfigShape,
  refusePublicSecrets,
  twilioCredentialsCheck,
  verifyServiceCheck,
} from '@attestor/platform/config';
import { emulatorConfigShape } from '@attestor/twilio-emulator';
import { generateSecrets } from '../infra/dev/secrets.js';
import { fraudConfigShape, riskThresholdsOf } from '../services/fraud/src/config.js';
import { gatewayConfigShape } from '../services/gateway/src/config.js';
import { identityConfigShape } from '../services/identity/src/config.js';
import { inquiryConfigShape, resolveInquiryConfig } from '../services/inquiry/src/config.js';
import { phoneConfigShape } from '../services/phone/src/config.js';

/**
 * infra/k8s against the code, as test/compose.test.ts does for docker-compose.yml: every container is
 * given only variables its service's config shape reads, with values the service accepts at start (its
 * own checks, in production, with placeholder secrets); every secret comes from a Secret; ports, probes,
 * shutdown grace, autoscaling, disruption budgets, security, the NATS cluster and the CloudNativePG
 * Cluster agree with what the processes do. No cluster is needed: the kustomizations are rendered by this
 * file's own reading of them (with the `yaml` package) and, where kubectl is installed, by
 * `kubectl kustomize` too; every check runs on each rendering. Each check is a function that returns the
 * problems it finds, so the last block can show that each one fails on a broken copy.
 */
const root = fileURLToPath(new URL('../', import.meta.url));
const k8sDir = join(root, 'infra/k8s');
const EMULATOR = 'twilio-emulator';
const IMAGE = 'attestor';
const overlays = { base: 'infra/k8s/base', emulator: 'infra/k8s/emulator' } as const;
type Overlay = keyof typeof overlays;

// ---------------------------------------------------------------------------------------------------
// The objects, as far as the checks read them.

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
}
interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef; fieldRef?: { fieldPath: string } };
}
interface HttpProbe {
  httpGet?: { path: string; port: number | string };
  exec?: { command: string[] };
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  readinessProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  startupProbe?: HttpProbe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface Volume {
  name: string;
  emptyDir?: object;
  configMap?: { name: string };
}
interface PodSpec {
  containers: Container[];
  securityContext?: SecurityContext;
  terminationGracePeriodSeconds?: number;
  volumes?: Volume[];
  automountServiceAccountToken?: boolean;
}
interface Workload extends Manifest {
  spec: {
    replicas?: number;
    serviceName?: string;
    selector: { matchLabels: Record<string, string> };
    strategy?: { type?: string };
    template: { metadata: Metadata & { labels: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
  };
}
interface ServiceManifest extends Manifest {
  spec: {
    type?: string;
    clusterIP?: string;
    publishNotReadyAddresses?: boolean;
    selector: Record<string, string>;
    ports: Array<{ name?: string; port: number; targetPort?: number | string }>;
  };
}
interface Hpa extends Manifest {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: Array<{
      type: string;
      resource?: { name: string; target: { type: string; averageUtilization?: number } };
    }>;
  };
}
interface Pdb extends Manifest {
  spec: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector: { matchLabels: Record<string, string> };
  };
}
interface ConfigMap extends Manifest {
  data?: Record<string, string>;
}
interface CnpgCluster extends Manifest {
  spec: {
    instances: number;
    storage?: { size?: string };
    bootstrap?: { initdb?: { database?: string; owner?: string } };
    postgresql?: { parameters?: Record<string, string> };
  };
}
interface Kustomization {
  namespace?: string;
  resources?: string[];
  configMapGenerator?: Array<{
    name: string;
    behavior?: string;
    literals?: string[];
    files?: string[];
    options?: { labels?: Record<string, string> };
  }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  labels?: Array<{ pairs: Record<string, string> }>;
}

// ---------------------------------------------------------------------------------------------------
// Rendering: this file's reading of a kustomization, and kubectl's where it is installed.

function readKustomization(dir: string): Kustomization {
  const document = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Record<string, unknown>;
  const understood = [
    'apiVersion',
    'kind',
    'namespace',
    'resources',
    'configMapGenerator',
    'images',
    'labels',
  ];
  const other = Object.keys(document).filter((field) => !understood.includes(field));
  if (other.length > 0) {
    throw new Error(
      `${relative(root, dir)}/kustomization.yaml: this test does not read ${other.join(', ')} yet`,
    );
  }
  return document as Kustomization;
}

function yamlDocuments(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

function renderOwn(dir: string): Manifest[] {
  const kustomization = readKustomization(dir);
  const manifests: Manifest[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    manifests.push(...(statSync(path).isDirectory() ? renderOwn(path) : yamlDocuments(path)));
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    const data: Record<string, string> = {};
    for (const literal of generator.literals ?? []) {
      const at = literal.indexOf('=');
      data[literal.slice(0, at)] = literal.slice(at + 1);
    }
    for (const file of generator.files ?? []) data[basename(file)] = readFileSync(join(dir, file), 'utf8');
    const existing = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === generator.name) as
      ConfigMap | undefined;
    if (generator.behavior === 'merge' || generator.behavior === 'replace') {
      if (!existing)
        throw new Error(`configMapGenerator ${generator.name}: nothing to ${generator.behavior}`);
      existing.data = generator.behavior === 'merge' ? { ...existing.data, ...data } : data;
    } else {
      const configMap: ConfigMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: generator.name,
          ...(generator.options?.labels ? { labels: generator.options.labels } : {}),
        },
        data,
      };
      manifests.push(configMap);
    }
  }
  for (const manifest of manifests) {
    if (kustomization.namespace && manifest.kind !== 'Namespace') {
      manifest.metadata.namespace = kustomization.namespace;
    }
    for (const { pairs } of kustomization.labels ?? []) {
      manifest.metadata.labels = { ...manifest.metadata.labels, ...pairs };
    }
    for (const container of podSpecOf(manifest)?.containers ?? []) {
      const image = kustomization.images?.find((i) => i.name === container.image.split(':')[0]);
      if (image) container.image = `${image.newName ?? image.name}:${image.newTag ?? 'latest'}`;
    }
  }
  return manifests;
}

function kubectlPresent(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
}

function renderKubectl(dir: string): Manifest[] {
  const output = execFileSync('kubectl', ['kustomize', dir], {
    env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir() },
    encoding: 'utf8',
  });
  return parseAllDocuments(output).map((document) => document.toJS() as Manifest);
}

const renderers: Array<{ name: string; render: (dir: string) => Manifest[] }> = [
  { name: 'yaml', render: renderOwn },
  ...(kubectlPresent() ? [{ name: 'kubectl kustomize', render: renderKubectl }] : []),
];

// ---------------------------------------------------------------------------------------------------
// What the code says: each process, its config shape and the checks its main.ts runs at start.

const codeServices = readdirSync(join(root, 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const subgraphs = codeServices.filter((name) => name !== 'gateway');

interface App {
  shape: z.ZodRawShape;
  portVariable: 'PORT' | 'EMULATOR_PORT';
  /** What main.ts does with the environment: parse, then the service's own cross-variable checks. */
  load(env: Record<string, string>): Record<string, unknown>;
}
const apps: Record<string, App> = {
  gateway: {
    shape: gatewayConfigShape,
    portVariable: 'PORT',
    load: (env) => refused(parseConfig(gatewayConfigShape, env)),
  },
  inquiry: {
    shape: inquiryConfigShape,
    portVariable: 'PORT',
    load: (env) => refused(resolveInquiryConfig(parseConfig(inquiryConfigShape, env))),
  },
  phone: {
    shape: phoneConfigShape,
    portVariable: 'PORT',
    load: (env) => refused(parseConfig(phoneConfigShape, env, [twilioCredentialsCheck, verifyServiceCheck])),
  },
  fraud: {
    shape: fraudConfigShape,
    portVariable: 'PORT',
    load: (env) => {
      const config = parseConfig(fraudConfigShape, env, [twilioCredentialsCheck]);
      riskThresholdsOf(config);
      return refused(config);
    },
  },
  identity: {
    shape: identityConfigShape,
    portVariable: 'PORT',
    load: (env) => refused(parseConfig(identityConfigShape, env, [twilioCredentialsCheck])),
  },
  [EMULATOR]: {
    shape: emulatorConfigShape,
    portVariable: 'EMULATOR_PORT',
    load: (env) => parseConfig(emulatorConfigShape, env),
  },
};
function refused<T>(config: T): T & Record<string, unknown> {
  refusePublicSecrets(config as Record<string, unknown>);
  return config as T & Record<string, unknown>;
}

/** Variables that hold a secret: from a Secret only, never a literal or a ConfigMap. */
const SECRET_VARIABLES = new Set([
  'CONTEXT_SECRET',
  'PII_KEY',
  'ADMIN_TOKEN',
  'DATABASE_URL',
  'RATE_LIMIT_DATABASE_URL',
  'FRAUD_VELOCITY_DATABASE_URL',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_API_KEY',
  'TWILIO_API_SECRET',
  'TWILIO_VERIFY_SERVICE_SID',
]);
/** A variable a shape gains with a name like these must be sorted into SECRET_VARIABLES or not, on purpose. */
const SECRET_LOOKING = /SECRET|TOKEN|PASSWORD|_KEY$|_SID$|DATABASE_URL$/;
// A limit on the tokens of a GraphQL document, not a credential.
const NOT_SECRET = new Set(['QUERY_MAX_TOKENS']);

/** Values of the right shape for every secret variable, as an operator's Secret would hold them. */
function placeholderSecrets(databaseUrl: string): Record<string, string> {
  const hex = () => randomBytes(16).toString('hex');
  return {
    ...generateSecrets(),
    DATABASE_URL: databaseUrl,
    TWILIO_ACCOUNT_SID: `AC${hex()}`,
    TWILIO_AUTH_TOKEN: hex(),
    TWILIO_API_KEY: `SK${hex()}`,
    TWILIO_API_SECRET: hex(),
    TWILIO_VERIFY_SERVICE_SID: `VA${hex()}`,
  };
}

/** The Secrets an operator creates (secrets.example.yaml), and those the CloudNativePG operator creates. */
const exampleSecretsFile = join(k8sDir, 'secrets.example.yaml');
const exampleSecrets = yamlDocuments(exampleSecretsFile) as Array<
  Manifest & { stringData?: Record<string, string> }
>;
const exampleSecretsText = readFileSync(exampleSecretsFile, 'utf8');
/** The keys of the application Secret CloudNativePG generates for a Cluster (`<cluster>-app`). */
const CNPG_APP_SECRET_KEYS = ['username', 'password', 'host', 'port', 'dbname', 'uri', 'jdbc-uri', 'pgpass'];

// ---------------------------------------------------------------------------------------------------
// Reading the rendered objects.

function podSpecOf(manifest: Manifest): PodSpec | undefined {
  return (manifest as Partial<Workload>).spec?.template?.spec;
}
function ofKind<T extends Manifest>(manifests: Manifest[], kind: string): T[] {
  return manifests.filter((m) => m.kind === kind) as T[];
}
function appDeployments(manifests: Manifest[]): Workload[] {
  return ofKind<Workload>(manifests, 'Deployment').filter((d) => d.metadata.name in apps);
}
function mainContainer(workload: Workload): Container {
  const container = workload.spec.template.spec.containers.find((c) => c.name === workload.metadata.name);
  if (!container) throw new Error(`${workload.metadata.name}: no container named after it`);
  return container;
}
function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}
function containerPort(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number')
    return container.ports?.some((p) => p.containerPort === port) ? port : undefined;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}
/** The workload whose pods a selector picks, and the container port a Service port reaches there. */
function serviceTarget(manifests: Manifest[], service: ServiceManifest, port: number) {
  const entry = service.spec.ports.find((p) => p.port === port);
  if (!entry) return undefined;
  const workloads = [
    ...ofKind<Workload>(manifests, 'Deployment'),
    ...ofKind<Workload>(manifests, 'StatefulSet'),
  ];
  const workload = workloads.find((w) => selects(service.spec.selector, w.spec.template.metadata.labels));
  if (!workload) return undefined;
  const target = entry.targetPort ?? entry.port;
  for (const container of workload.spec.template.spec.containers) {
    const resolved = containerPort(container, target);
    if (resolved !== undefined) return { workload, container, port: resolved };
  }
  return undefined;
}
type Source =
  | { from: 'literal'; value: string }
  | { from: 'configMap'; name: string; key: string; value: string | undefined }
  | { from: 'secret'; name: string; key: string; optional: boolean }
  | { from: 'field'; path: string };

/** Every variable a container gets and where its value comes from (env wins over envFrom, as in k8s). */
function environmentOf(container: Container, manifests: Manifest[]): Map<string, Source> {
  const sources = new Map<string, Source>();
  const configMaps = ofKind<ConfigMap>(manifests, 'ConfigMap');
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      const configMap = configMaps.find((c) => c.metadata.name === from.configMapRef?.name);
      for (const [key, value] of Object.entries(configMap?.data ?? {})) {
        sources.set(key, { from: 'configMap', name: from.configMapRef.name, key, value });
      }
    }
    if (from.secretRef) {
      const secret = exampleSecrets.find((s) => s.metadata.name === from.secretRef?.name);
      for (const key of Object.keys(secret?.stringData ?? {})) {
        sources.set(key, { from: 'secret', name: from.secretRef.name, key, optional: false });
      }
    }
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom;
    if (ref?.secretKeyRef) {
      const { name, key, optional } = ref.secretKeyRef;
      sources.set(variable.name, { from: 'secret', name, key, optional: optional === true });
    } else if (ref?.configMapKeyRef) {
      const { name, key } = ref.configMapKeyRef;
      const value = configMaps.find((c) => c.metadata.name === name)?.data?.[key];
      sources.set(variable.name, { from: 'configMap', name, key, value });
    } else if (ref?.fieldRef) {
      sources.set(variable.name, { from: 'field', path: ref.fieldRef.fieldPath });
    } else {
      sources.set(variable.name, { from: 'literal', value: String(variable.value ?? '') });
    }
  }
  return sources;
}

/** The CloudNativePG Cluster and the URL its application Secret holds (`uri`), with a placeholder password. */
function databaseOf(manifests: Manifest[]) {
  const cluster = ofKind<CnpgCluster>(manifests, 'Cluster').find((c) =>
    c.apiVersion.startsWith('postgresql.cnpg.io/'),
  );
  if (!cluster) return undefined;
  const initdb = cluster.spec.bootstrap?.initdb ?? {};
  const namespace = cluster.metadata.namespace ?? 'default';
  const url = `postgresql://${initdb.owner}:placeholder@${cluster.metadata.name}-rw.${namespace}:5432/${initdb.database}`;
  return { cluster, appSecret: `${cluster.metadata.name}-app`, url };
}

/**
 * The environment a container would see, with placeholders for the secrets. `without` leaves out
 * optional secret keys (an operator's Secret holds the auth token or the API key pair, not both).
 */
function resolvedEnvironment(
  sources: Map<string, Source>,
  secrets: Record<string, string>,
  without: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, source] of sources) {
    if (source.from === 'literal') env[name] = source.value;
    if (source.from === 'configMap' && source.value !== undefined) env[name] = source.value;
    if (source.from === 'secret' && !(source.optional && without.has(name))) env[name] = secrets[name] ?? '';
  }
  return env;
}

/** The variants of an operator's Twilio Secret: with the auth token, or with the API key and its secret. */
const twilioCredentialVariants = [
  { name: 'auth token', without: new Set(['TWILIO_API_KEY', 'TWILIO_API_SECRET']) },
  { name: 'API key', without: new Set(['TWILIO_AUTH_TOKEN']) },
];

function loadedConfig(
  name: string,
  container: Container,
  manifests: Manifest[],
  without?: ReadonlySet<string>,
) {
  const database = databaseOf(manifests);
  const secrets = placeholderSecrets(database?.url ?? 'postgresql://attestor:placeholder@db:5432/attestor');
  const env = resolvedEnvironment(environmentOf(container, manifests), secrets, without);
  return apps[name]?.load(env) ?? {};
}

function quantity(value: string | undefined): number {
  if (value === undefined) return Number.NaN;
  const units: Record<string, number> = {
    m: 1e-3,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    k: 1e3,
    M: 1e6,
    G: 1e9,
  };
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(value);
  if (!match) return Number.NaN;
  const unit = match[2] ?? '';
  return Number(match[1]) * (unit === '' ? 1 : (units[unit] ?? Number.NaN));
}

function sleepSecondsOf(container: Container): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  return command[0] === 'sleep' ? Number(command[1]) : 0;
}

/** The commands infra/Dockerfile's CMD runs, for SERVICE = a directory of services/ or twilio-emulator. */
function dockerfileCommand(service: string): string {
  const dockerfile = readFileSync(join(root, 'infra/Dockerfile'), 'utf8');
  const cmd = dockerfile.split('\n').find((line) => line.startsWith('CMD'));
  const commands = [...(cmd ?? '').matchAll(/exec (node [^;]*?\.ts)/g)].map((m) =>
    (m[1] ?? '').replace(/\\"/g, '').replace(/"/g, ''),
  );
  const emulator = commands.find((c) => c.includes('twilio-emulator'));
  const serviceCommand = commands.find((c) => c.includes('$SERVICE'));
  return service === EMULATOR ? (emulator ?? '') : (serviceCommand ?? '').replace('$SERVICE', service);
}

// ---------------------------------------------------------------------------------------------------
// The checks. Each returns the problems it finds, one line each.

function deploymentSetProblems(manifests: Manifest[], overlay: Overlay): string[] {
  const problems: string[] = [];
  const names = appDeployments(manifests).map((d) => d.metadata.name);
  const expected = overlay === 'emulator' ? [...codeServices, EMULATOR] : codeServices;
  if ([...names].sort().join() !== [...expected].sort().join()) {
    problems.push(
      `deployments ${names.sort().join(', ')} are not the services ${expected.sort().join(', ')}`,
    );
  }
  const images = new Set(appDeployments(manifests).map((d) => mainContainer(d).image));
  if (images.size !== 1) problems.push(`the services run different images: ${[...images].join(', ')}`);
  for (const deployment of appDeployments(manifests)) {
    const name = deployment.metadata.name;
    const container = mainContainer(deployment);
    if (container.image.split(':')[0]?.split('/').at(-1) !== IMAGE) {
      problems.push(`${name}: image ${container.image} is not the one image infra/Dockerfile builds`);
    }
    const command = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
    if (command !== dockerfileCommand(name)) {
      problems.push(`${name}: runs "${command}", the image runs "${dockerfileCommand(name)}" for it`);
    }
    const entry = command.split(' ').at(-1) ?? '';
    if (!existsSync(join(root, entry))) problems.push(`${name}: ${entry} does not exist`);
    if (!selects(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)) {
      problems.push(`${name}: its selector does not select its own pods`);
    }
  }
  return problems;
}

function environmentProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  const database = databaseOf(manifests);
  for (const deployment of appDeployments(manifests)) {
    const name = deployment.metadata.name;
    const app = apps[name] as App;
    const container = mainContainer(deployment);
    const sources = environmentOf(container, manifests);
    for (const from of container.envFrom ?? []) {
      const wanted = from.configMapRef?.name;
      if (wanted && !ofKind(manifests, 'ConfigMap').some((c) => c.metadata.name === wanted)) {
        problems.push(`${name}: envFrom names ConfigMap ${wanted}, which does not exist`);
      }
    }
    for (const [variable, source] of sources) {
      if (!(variable in app.shape)) {
        problems.push(`${name}: ${variable} is not a variable its config reads`);
        continue;
      }
      if (SECRET_VARIABLES.has(variable) && source.from !== 'secret') {
        problems.push(`${name}: ${variable} is a secret given as a ${source.from}, not from a Secret`);
      }
      if (!SECRET_VARIABLES.has(variable) && source.from === 'secret') {
        problems.push(`${name}: ${variable} comes from a Secret but is not one (SECRET_VARIABLES)`);
      }
      if (source.from === 'configMap' && source.value === undefined) {
        problems.push(
          `${name}: ${variable} names ConfigMap ${source.name} key ${source.key}, which does not exist`,
        );
      }
      if (source.from === 'secret') {
        const fromCnpg = database !== undefined && source.name === database.appSecret;
        const example = exampleSecrets.find((s) => s.metadata.name === source.name);
        const known = fromCnpg
          ? CNPG_APP_SECRET_KEYS.includes(source.key)
          : example !== undefined &&
            (source.key in (example.stringData ?? {}) ||
              (source.optional && exampleSecretsText.includes(`${source.key}:`)));
        if (!known) {
          problems.push(
            `${name}: ${variable} reads Secret ${source.name} key ${source.key}, which nobody creates`,
          );
        }
      }
    }
    if (subgraphs.includes(name)) {
      const url = sources.get('DATABASE_URL');
      if (url?.from !== 'secret' || url.name !== database?.appSecret || url.key !== 'uri') {
        problems.push(`${name}: DATABASE_URL is not the uri of the CloudNativePG Cluster's app Secret`);
      }
    } else if (sources.has('DATABASE_URL')) {
      problems.push(`${name}: is given DATABASE_URL, which it does not use`);
    }
    if (name === 'gateway') {
      // N gateways enforce one rate limit only through a shared store.
      const url = sources.get('RATE_LIMIT_DATABASE_URL');
      if (url?.from !== 'secret' || url.name !== database?.appSecret || url.key !== 'uri') {
        problems.push(
          "gateway: RATE_LIMIT_DATABASE_URL is not the uri of the CloudNativePG Cluster's app Secret",
        );
      }
    }
    const variants =
      'TWILIO_ACCOUNT_SID' in app.shape
        ? twilioCredentialVariants
        : [{ name: 'as given', without: new Set<string>() }];
    for (const variant of variants) {
      try {
        const config = loadedConfig(name, container, manifests, variant.without);
        if (name !== EMULATOR) {
          const expected = { NODE_ENV: 'production', HOST: '0.0.0.0', LOG_FORMAT: 'json' };
          for (const [variable, value] of Object.entries(expected)) {
            if (config[variable] !== value)
              problems.push(`${name}: ${variable} is ${String(config[variable])}, not ${value}`);
          }
        } else if (config['EMULATOR_HOST'] !== '0.0.0.0') {
          problems.push(`${name}: EMULATOR_HOST is not 0.0.0.0`);
        }
      } catch (error) {
        problems.push(`${name} (${variant.name}): refuses its environment: ${(error as Error).message}`);
      }
    }
  }
  for (const configMap of ofKind<ConfigMap>(manifests, 'ConfigMap')) {
    for (const key of Object.keys(configMap.data ?? {})) {
      if (SECRET_VARIABLES.has(key))
        problems.push(`ConfigMap ${configMap.metadata.name} holds the secret ${key}`);
    }
  }
  for (const secret of ofKind(manifests, 'Secret')) {
    problems.push(
      `Secret ${secret.metadata.name} is shipped in the manifests (secrets.example.yaml is for that)`,
    );
  }
  return problems;
}

function portAndProbeProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  for (const deployment of appDeployments(manifests)) {
    const name = deployment.metadata.name;
    const app = apps[name] as App;
    const container = mainContainer(deployment);
    let port: number;
    let metricsPort: number;
    try {
      const config = loadedConfig(name, container, manifests, twilioCredentialVariants[0]?.without);
      port = Number(config[app.portVariable]);
      metricsPort = config['METRICS_PORT'] === undefined ? port : Number(config['METRICS_PORT']);
    } catch {
      continue; // environmentProblems names it.
    }
    const defaultPort = Number((parseConfig(app.shape, {}) as Record<string, unknown>)[app.portVariable]);
    if (port !== defaultPort) problems.push(`${name}: listens on ${port}, not its default ${defaultPort}`);
    const ports = (container.ports ?? []).map((p) => p.containerPort);
    const wanted = [...new Set([port, ...(name === EMULATOR ? [] : [metricsPort])])];
    if (ports.join() !== wanted.join())
      problems.push(`${name}: container ports ${ports.join()} are not its ${app.portVariable} ${port}`);
    // The gateway's own port is the public one: its metrics go on a port of their own.
    if (name === 'gateway' && metricsPort === port)
      problems.push('gateway: /metrics is on its public port (set METRICS_PORT)');
    const probes = {
      readinessProbe: name === EMULATOR ? '/health' : '/ready',
      livenessProbe: '/health',
      startupProbe: '/health',
    } as const;
    for (const [probe, path] of Object.entries(probes) as Array<[keyof typeof probes, string]>) {
      const spec = container[probe];
      if (spec === undefined && probe === 'startupProbe') continue;
      if (spec?.httpGet?.path !== path) problems.push(`${name}: ${probe} does not ask ${path}`);
      if (containerPort(container, spec?.httpGet?.port) !== port) {
        problems.push(`${name}: ${probe} is not on port ${port}`);
      }
    }
    const annotations = deployment.spec.template.metadata.annotations ?? {};
    if (
      name !== EMULATOR &&
      (annotations['prometheus.io/port'] !== String(metricsPort) ||
        annotations['prometheus.io/path'] !== '/metrics')
    ) {
      problems.push(`${name}: its pods are not annotated for scraping /metrics on ${metricsPort}`);
    }
    const service = ofKind<ServiceManifest>(manifests, 'Service').find((s) => s.metadata.name === name);
    const reached = service?.spec.ports.map((p) => serviceTarget(manifests, service, p.port));
    if (!service || !reached?.length || reached.some((t) => t?.workload !== deployment || t.port !== port)) {
      problems.push(`${name}: no Service named ${name} reaches its pods on port ${port}`);
    }
  }
  return problems;
}

function shutdownProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  for (const deployment of appDeployments(manifests)) {
    const name = deployment.metadata.name;
    if (name === EMULATOR) continue;
    const container = mainContainer(deployment);
    let config: Record<string, unknown>;
    try {
      config = loadedConfig(name, container, manifests, twilioCredentialVariants[0]?.without);
    } catch {
      continue;
    }
    const shutdownSeconds = Number(config['SHUTDOWN_TIMEOUT_MS']) / 1000;
    const preStop = sleepSecondsOf(container);
    // Requests in flight get SHUTDOWN_TIMEOUT_MS; then the outbox flush gets up to 5 s (startService's stop()).
    const needed = preStop + shutdownSeconds + 5;
    const grace = deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30;
    if (!(grace > needed)) {
      problems.push(
        `${name}: terminationGracePeriodSeconds ${grace} is not above preStop ${preStop} s + SHUTDOWN_TIMEOUT_MS ${shutdownSeconds} s + 5 s of outbox flush`,
      );
    }
    if (preStop <= 0) problems.push(`${name}: no preStop pause before SIGTERM (endpoints drop the pod late)`);
  }
  return problems;
}

function scalingProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  const hpas = ofKind<Hpa>(manifests, 'HorizontalPodAutoscaler');
  const pdbs = ofKind<Pdb>(manifests, 'PodDisruptionBudget');
  for (const deployment of appDeployments(manifests)) {
    const name = deployment.metadata.name;
    const labels = deployment.spec.template.metadata.labels;
    const hpa = hpas.find(
      (h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === name,
    );
    const pdb = pdbs.find((p) => selects(p.spec.selector.matchLabels, labels));
    if (name === EMULATOR) {
      // Its state is in memory: exactly one, replaced rather than rolled, never autoscaled.
      if (deployment.spec.replicas !== 1 || deployment.spec.strategy?.type !== 'Recreate' || hpa) {
        problems.push(
          `${name}: must run exactly one replica (Recreate, no autoscaler): its state is in memory`,
        );
      }
      continue;
    }
    if (!hpa) {
      problems.push(`${name}: no HorizontalPodAutoscaler`);
    } else {
      const min = hpa.spec.minReplicas ?? 1;
      const cpu = hpa.spec.metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
      if (min < 2) problems.push(`${name}: the autoscaler may go down to ${min} replica`);
      if (hpa.spec.maxReplicas < min) problems.push(`${name}: maxReplicas below minReplicas`);
      if (cpu?.resource?.target.type !== 'Utilization')
        problems.push(`${name}: the autoscaler does not scale on CPU`);
      const replicas = deployment.spec.replicas ?? 1;
      if (replicas < min || replicas > hpa.spec.maxReplicas)
        problems.push(`${name}: replicas ${replicas} outside the autoscaler's range`);
    }
    if (!pdb) {
      problems.push(`${name}: no PodDisruptionBudget`);
    } else {
      const min = hpa?.spec.minReplicas ?? deployment.spec.replicas ?? 1;
      const allowed =
        pdb.spec.maxUnavailable !== undefined
          ? Number(pdb.spec.maxUnavailable)
          : min - Number(pdb.spec.minAvailable);
      if (!(allowed >= 1)) problems.push(`${name}: its PodDisruptionBudget never lets a node drain`);
    }
  }
  return problems;
}

/** The "restricted" Pod Security Standard's rules that apply here, for every pod of the manifests. */
function securityProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  const workloads = [
    ...ofKind<Workload>(manifests, 'Deployment'),
    ...ofKind<Workload>(manifests, 'StatefulSet'),
  ];
  for (const workload of workloads) {
    const spec = workload.spec.template.spec;
    const name = workload.metadata.name;
    const pod = spec.securityContext ?? {};
    if (pod.runAsNonRoot !== true) problems.push(`${name}: runAsNonRoot is not set`);
    // A named USER (the image's `node`) cannot be checked by the kubelet: runAsNonRoot needs a number.
    if (!(typeof pod.runAsUser === 'number' && pod.runAsUser > 0))
      problems.push(`${name}: runAsUser is not a non-zero uid`);
    if (spec.automountServiceAccountToken !== false)
      problems.push(`${name}: mounts a service account token it never uses`);
    for (const container of spec.containers) {
      const own = container.securityContext ?? {};
      const where = `${name}/${container.name}`;
      if (own.allowPrivilegeEscalation !== false)
        problems.push(`${where}: allowPrivilegeEscalation is not false`);
      if (own.privileged === true) problems.push(`${where}: privileged`);
      if (own.readOnlyRootFilesystem !== true) problems.push(`${where}: the root filesystem is writable`);
      if (!own.capabilities?.drop?.includes('ALL') || (own.capabilities.add ?? []).length > 0) {
        problems.push(`${where}: capabilities are not all dropped`);
      }
      if ((own.seccompProfile ?? pod.seccompProfile)?.type !== 'RuntimeDefault') {
        problems.push(`${where}: no RuntimeDefault seccomp profile`);
      }
      const requests = container.resources?.requests ?? {};
      const limits = container.resources?.limits ?? {};
      for (const resource of ['cpu', 'memory']) {
        const request = quantity(requests[resource]);
        const limit = quantity(limits[resource]);
        if (!(request > 0 && limit >= request))
          problems.push(`${where}: ${resource} request/limit missing or inverted`);
      }
      // tsx writes its transpile cache to the temporary directory: it must be writable.
      if (container.command?.includes('tsx')) {
        const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
        const volume = spec.volumes?.find((v) => v.name === tmp?.name);
        if (!volume?.emptyDir) problems.push(`${where}: no writable /tmp for tsx under a read-only root`);
      }
    }
  }
  return problems;
}

/** Every URL a container is given names a Service of the manifests that reaches the right process. */
function wiringProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  const services = ofKind<ServiceManifest>(manifests, 'Service');
  for (const deployment of appDeployments(manifests)) {
    const name = deployment.metadata.name;
    for (const [variable, source] of environmentOf(mainContainer(deployment), manifests)) {
      const value = source.from === 'literal' || source.from === 'configMap' ? source.value : undefined;
      if (value === undefined || !/^[a-z]+:\/\//.test(value)) continue;
      const url = new URL(value);
      const service = services.find((s) => s.metadata.name === url.hostname);
      const target = service ? serviceTarget(manifests, service, Number(url.port)) : undefined;
      if (!target) {
        problems.push(`${name}: ${variable} (${value}) reaches no pod through a Service`);
        continue;
      }
      const expected = variable.replace(/_URL$/, '').toLowerCase().replace(/_/g, '-');
      const targetName = target.workload.metadata.name;
      const wanted =
        variable === 'NATS_URL' ? 'nats' : variable === 'TWILIO_EMULATOR_URL' ? EMULATOR : expected;
      if (targetName !== wanted) problems.push(`${name}: ${variable} reaches ${targetName}, not ${wanted}`);
      if (variable.endsWith('_URL') && subgraphs.includes(wanted) && url.pathname !== '/graphql') {
        problems.push(`${name}: ${variable} is not the subgraph's /graphql`);
      }
    }
  }
  const gateway = appDeployments(manifests).find((d) => d.metadata.name === 'gateway');
  const gatewayEnv = gateway ? environmentOf(mainContainer(gateway), manifests) : new Map<string, Source>();
  for (const subgraph of subgraphs) {
    if (!gatewayEnv.has(`${subgraph.toUpperCase()}_URL`))
      problems.push(`gateway: ${subgraph.toUpperCase()}_URL is not set`);
  }
  for (const deployment of appDeployments(manifests).filter((d) => d.metadata.name !== EMULATOR)) {
    if (!environmentOf(mainContainer(deployment), manifests).has('NATS_URL')) {
      problems.push(`${deployment.metadata.name}: NATS_URL is not set`);
    }
  }
  const front = services.find((s) => s.metadata.name === 'gateway');
  if (front?.spec.type !== 'LoadBalancer' && ofKind(manifests, 'Ingress').length === 0) {
    problems.push('gateway: neither a LoadBalancer Service nor an Ingress');
  }
  return problems;
}

/** nats.conf reduced to what the checks read: `key: value` lines, `name { … }` blocks, `[ … ]` lists. */
function natsConfig(text: string) {
  const clean = text.replace(/#.*$/gm, '');
  const block = (source: string, name: string): string | undefined => {
    const start = new RegExp(`^\\s*${name}\\s*[:=]?\\s*\\{`, 'm').exec(source);
    if (!start) return undefined;
    let depth = 0;
    for (let i = start.index + start[0].length - 1; i < source.length; i++) {
      if (source[i] === '{') depth++;
      if (source[i] === '}' && --depth === 0) return source.slice(start.index + start[0].length, i);
    }
    return undefined;
  };
  const value = (source: string, key: string) =>
    new RegExp(`^\\s*${key}\\s*[:=]\\s*([^\\s\\[{]+)\\s*$`, 'm').exec(source)?.[1];
  const topLevel = clean.replace(/^\s*\w+\s*[:=]?\s*\{[\s\S]*?^\}/gm, '');
  const jetstream = block(clean, 'jetstream');
  const cluster = block(clean, 'cluster');
  const routes =
    cluster === undefined
      ? []
      : (/routes\s*[:=]\s*\[([^\]]*)\]/.exec(cluster)?.[1] ?? '').split(/[\s,]+/).filter(Boolean);
  return {
    value: (key: string) => value(topLevel, key),
    jetstream: jetstream === undefined ? undefined : { storeDir: value(jetstream, 'store_dir') },
    cluster:
      cluster === undefined
        ? undefined
        : { name: value(cluster, 'name'), listen: value(cluster, 'listen'), routes },
  };
}

function seconds(duration: string | undefined): number {
  const match = /^(\d+)(ms|s|m)?$/.exec(duration ?? '');
  if (!match) return Number.NaN;
  return Number(match[1]) * ({ ms: 0.001, s: 1, m: 60 }[match[2] ?? 's'] ?? Number.NaN);
}

function natsParts(manifests: Manifest[]) {
  const statefulSet = ofKind<Workload>(manifests, 'StatefulSet').find((s) =>
    s.spec.template.spec.containers.some((c) => c.image.startsWith('nats:')),
  );
  if (!statefulSet) return undefined;
  const container = statefulSet.spec.template.spec.containers.find((c) =>
    c.image.startsWith('nats:'),
  ) as Container;
  const args = [...(container.command ?? []), ...(container.args ?? [])];
  const configPath = args[args.findIndex((a) => a === '--config' || a === '-c') + 1] ?? '';
  const mount = container.volumeMounts?.find((m) => m.mountPath === posix.dirname(configPath));
  const volume = statefulSet.spec.template.spec.volumes?.find((v) => v.name === mount?.name);
  const configMap = ofKind<ConfigMap>(manifests, 'ConfigMap').find(
    (c) => c.metadata.name === volume?.configMap?.name,
  );
  const text = configMap?.data?.[posix.basename(configPath)];
  return { statefulSet, container, configPath, text };
}

function natsProblems(manifests: Manifest[]): string[] {
  const parts = natsParts(manifests);
  if (!parts) return ['no NATS StatefulSet'];
  const { statefulSet, container, text } = parts;
  const problems: string[] = [];
  const name = statefulSet.metadata.name;
  const replicas = statefulSet.spec.replicas ?? 1;
  if (replicas !== 3) problems.push(`nats: ${replicas} replicas, not 3`);
  if (text === undefined) return [...problems, `nats: ${parts.configPath} is not a mounted ConfigMap key`];
  const config = natsConfig(text);
  const services = ofKind<ServiceManifest>(manifests, 'Service');
  const headless = services.find((s) => s.metadata.name === statefulSet.spec.serviceName);
  if (headless?.spec.clusterIP !== 'None' || headless.spec.publishNotReadyAddresses !== true) {
    problems.push(
      'nats: its serviceName is not a headless Service that publishes pods before they are ready',
    );
  } else if (!selects(headless.spec.selector, statefulSet.spec.template.metadata.labels)) {
    problems.push('nats: the headless Service does not select its pods');
  }
  const env = environmentOf(container, manifests);
  const serverName = config.value('server_name') ?? '';
  const variable = serverName.startsWith('$') ? serverName.slice(1) : undefined;
  const own = variable ? env.get(variable) : undefined;
  const podName = [...env].find(([, s]) => s.from === 'field' && s.path === 'metadata.name')?.[0];
  if (
    !(own?.from === 'literal' && podName !== undefined && own.value === `$(${podName})`) &&
    !(own?.from === 'field')
  ) {
    problems.push('nats: server_name is not the pod name (JetStream needs a unique name per server)');
  }
  if (!config.jetstream) {
    problems.push('nats: JetStream is not enabled');
  } else {
    const storeDir = config.jetstream.storeDir ?? '';
    const claims = (statefulSet.spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name);
    const onClaim = container.volumeMounts?.some(
      (m) => claims.includes(m.name) && (storeDir + '/').startsWith(m.mountPath.replace(/\/?$/, '/')),
    );
    if (!onClaim) problems.push(`nats: the JetStream store ${storeDir} is not on a PersistentVolumeClaim`);
  }
  const clusterPort = containerPort(container, 'cluster');
  if (!config.cluster) {
    problems.push('nats: no cluster block');
  } else {
    if (Number(config.cluster.listen?.split(':').at(-1)) !== clusterPort)
      problems.push('nats: cluster listen is not the cluster port');
    const expected = Array.from(
      { length: replicas },
      (_, i) => `nats://${name}-${i}.${statefulSet.spec.serviceName}:${clusterPort}`,
    );
    if (config.cluster.routes.join() !== expected.join()) {
      problems.push(`nats: routes ${config.cluster.routes.join(' ')} are not ${expected.join(' ')}`);
    }
  }
  const client = services.find((s) => s.metadata.name === 'nats');
  if (!client || serviceTarget(manifests, client, 4222)?.port !== 4222)
    problems.push('nats: no Service nats:4222 to the clients port');
  for (const [probe, expected] of [
    ['readinessProbe', '/healthz'],
    ['livenessProbe', '/healthz'],
  ] as const) {
    const spec = container[probe];
    if (
      !spec?.httpGet?.path.startsWith(expected) ||
      containerPort(container, spec.httpGet.port) !== containerPort(container, 'monitor')
    ) {
      problems.push(`nats: ${probe} is not ${expected} on the monitoring port`);
    }
  }
  const lameDuck =
    seconds(config.value('lame_duck_duration')) + seconds(config.value('lame_duck_grace_period') ?? '0s');
  const grace = statefulSet.spec.template.spec.terminationGracePeriodSeconds ?? 30;
  if (!(grace > lameDuck))
    problems.push(
      `nats: terminationGracePeriodSeconds ${grace} does not cover lame duck mode (${lameDuck} s)`,
    );
  const pdb = ofKind<Pdb>(manifests, 'PodDisruptionBudget').find((p) =>
    selects(p.spec.selector.matchLabels, statefulSet.spec.template.metadata.labels),
  );
  if (!pdb || Number(pdb.spec.maxUnavailable) !== 1)
    problems.push('nats: no PodDisruptionBudget of maxUnavailable 1 (the JetStream quorum)');
  return problems;
}

function databaseProblems(manifests: Manifest[]): string[] {
  const database = databaseOf(manifests);
  if (!database) return ['no CloudNativePG Cluster (postgresql.cnpg.io/v1)'];
  const { cluster } = database;
  const problems: string[] = [];
  if (cluster.apiVersion !== 'postgresql.cnpg.io/v1')
    problems.push(`Cluster: apiVersion ${cluster.apiVersion}`);
  if (cluster.spec.instances !== 3) problems.push(`Cluster: ${cluster.spec.instances} instances, not 3`);
  if (!cluster.spec.storage?.size) problems.push('Cluster: no storage size');
  const wanted = new URL(parseConfig(platformConfigShape, {}).DATABASE_URL).pathname.slice(1);
  const initdb = cluster.spec.bootstrap?.initdb;
  if (initdb?.database !== wanted || !initdb.owner)
    problems.push(`Cluster: does not bootstrap the ${wanted} database with an owner`);
  // Every replica at its autoscaler's maximum: each of its pools (the service's, the gateway's rate
  // limit, fraud's velocity store: every *_POOL_SIZE its config reads), plus the migration lock's.
  const hpas = ofKind<Hpa>(manifests, 'HorizontalPodAutoscaler');
  let connections = 0;
  for (const deployment of appDeployments(manifests).filter((d) => d.metadata.name !== EMULATOR)) {
    const name = deployment.metadata.name;
    const max =
      hpas.find((h) => h.spec.scaleTargetRef.name === name)?.spec.maxReplicas ??
      deployment.spec.replicas ??
      1;
    try {
      const config = loadedConfig(
        name,
        mainContainer(deployment),
        manifests,
        twilioCredentialVariants[0]?.without,
      );
      const pools = Object.entries(config)
        .filter(([variable]) => variable.endsWith('POOL_SIZE'))
        .map(([, size]) => Number(size));
      if (pools.length > 0) connections += max * (pools.reduce((a, b) => a + b, 0) + 1);
    } catch {
      continue;
    }
  }
  const maxConnections = Number(cluster.spec.postgresql?.parameters?.['max_connections'] ?? 100);
  // superuser_reserved_connections (3) and the operator's own (replication, monitoring) need room too.
  if (connections + 10 > maxConnections) {
    problems.push(
      `Cluster: max_connections ${maxConnections} is below the services' ${connections} + 10 for the operator`,
    );
  }
  return problems;
}

/** Every file under infra/k8s is listed by a kustomization (but the example Secrets), and every listed file exists. */
function kustomizationFileProblems(kustomizations: Map<string, Kustomization>, files: string[]): string[] {
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const [dir, kustomization] of kustomizations) {
    listed.add(join(dir, 'kustomization.yaml'));
    const entries = [
      ...(kustomization.resources ?? []),
      ...(kustomization.configMapGenerator ?? []).flatMap((g) => g.files ?? []),
    ];
    for (const entry of entries) {
      const path = join(dir, entry);
      if (!existsSync(path)) {
        problems.push(`${relative(root, dir)}/kustomization.yaml lists ${entry}, which does not exist`);
      } else if (!statSync(path).isDirectory()) {
        listed.add(path);
      } else if (!kustomizations.has(path)) {
        problems.push(
          `${relative(root, dir)}/kustomization.yaml lists the directory ${entry}, which has no kustomization`,
        );
      }
    }
  }
  for (const file of files) {
    const isExample = file === exampleSecretsFile;
    if (isExample && listed.has(file))
      problems.push('secrets.example.yaml is listed: its placeholders would be applied');
    if (!isExample && !listed.has(file))
      problems.push(`${relative(root, file)} is listed by no kustomization`);
  }
  return problems;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
const k8sFiles = filesUnder(k8sDir);
const kustomizations = new Map(
  k8sFiles
    .filter((f) => basename(f) === 'kustomization.yaml')
    .map((f) => [dirname(f), readKustomization(dirname(f))]),
);

// ---------------------------------------------------------------------------------------------------

const checks = {
  'runs one Deployment per service of services/ (and the emulator in its overlay), from the one image':
    deploymentSetProblems,
  "gives each container only its config's variables, with values it accepts in production, secrets from Secrets":
    environmentProblems,
  "listens on each service's PORT, probes /ready and /health there, and a Service reaches it":
    portAndProbeProblems,
  'waits longer than SHUTDOWN_TIMEOUT_MS + the outbox flush before SIGKILL': shutdownProblems,
  'autoscales every service on CPU with a PodDisruptionBudget (the emulator: one, never scaled)':
    scalingProblems,
  'runs every pod as non-root, read-only, without privilege escalation, with requests and limits':
    securityProblems,
  'points every URL at a Service that reaches the right process': wiringProblems,
  'runs NATS as 3 JetStream servers with routes to each other and a store on volumes': natsProblems,
  'runs PostgreSQL as a CloudNativePG Cluster of 3 with room for every pool': databaseProblems,
} satisfies Record<string, (manifests: Manifest[], overlay: Overlay) => string[]>;

for (const renderer of renderers) {
  for (const overlay of Object.keys(overlays) as Overlay[]) {
    describe(`${overlays[overlay]} (rendered with ${renderer.name})`, () => {
      const manifests = renderer.render(join(root, overlays[overlay]));
      for (const [title, check] of Object.entries(checks)) {
        it(title, () => {
          expect(check(manifests, overlay)).toEqual([]);
        });
      }

      it('puts every object in the attestor namespace, which it creates', () => {
        const outside = manifests.filter(
          (m) => m.kind !== 'Namespace' && m.metadata.namespace !== 'attestor',
        );
        expect(outside.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([]);
        expect(manifests.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name)).toEqual([
          'attestor',
        ]);
      });

      it('passes the NATS configuration through nats-server -t, where nats-server is installed', () => {
        const parts = natsParts(manifests);
        expect(parts?.text).toBeDefined();
        if (spawnSync('nats-server', ['--version'], { stdio: 'ignore' }).status !== 0) return;
        const dir = mkdtempSync(join(tmpdir(), 'attestor-nats-'));
        try {
          writeFileSync(join(dir, 'nats.conf'), parts?.text ?? '');
          const result = spawnSync('nats-server', ['-c', join(dir, 'nats.conf'), '-t'], {
            env: { PATH: process.env['PATH'] ?? '', SERVER_NAME: 'nats-0' },
            encoding: 'utf8',
          });
          expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  }
}

describe('infra/k8s files', () => {
  it('lists every file in a kustomization, and no file that does not exist', () => {
    expect(kustomizationFileProblems(kustomizations, k8sFiles)).toEqual([]);
  });

  it('renders the same objects with kubectl kustomize as with this reading of it, where kubectl is installed', () => {
    if (renderers.length < 2) return;
    for (const dir of Object.values(overlays)) {
      // kubectl appends a content hash to the names of generated ConfigMaps (and to the references).
      const names = (manifests: Manifest[]) =>
        manifests
          .map(
            (m) =>
              `${m.kind}/${m.kind === 'ConfigMap' ? m.metadata.name.replace(/-[a-z0-9]{10}$/, '') : m.metadata.name}`,
          )
          .sort();
      expect(names(renderKubectl(join(root, dir)))).toEqual(names(renderOwn(join(root, dir))));
    }
  });

  it('ships secrets.example.yaml with placeholders only, for secret variables only', () => {
    expect(exampleSecrets.length).toBeGreaterThan(0);
    for (const secret of exampleSecrets) {
      expect(secret.kind).toBe('Secret');
      for (const [key, value] of Object.entries(secret.stringData ?? {})) {
        expect(SECRET_VARIABLES.has(key), key).toBe(true);
        expect(value, key).toMatch(/REPLACE|x{16}/);
      }
    }
  });

  it('sorts every secret-looking variable of the config shapes into secret or not, on purpose', () => {
    const variables = new Set(Object.values(apps).flatMap((app) => Object.keys(app.shape)));
    const unsorted = [...variables].filter(
      (v) => SECRET_LOOKING.test(v) && !SECRET_VARIABLES.has(v) && !NOT_SECRET.has(v),
    );
    expect(unsorted).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Each check can fail: a broken copy of the manifests makes it name the break.

describe('the checks, on broken copies of infra/k8s/emulator', () => {
  const pristine = renderOwn(join(root, overlays.emulator));
  const broken = (change: (manifests: Manifest[]) => void): Manifest[] => {
    const copy = structuredClone(pristine);
    change(copy);
    return copy;
  };
  const deployment = (manifests: Manifest[], name: string) =>
    appDeployments(manifests).find((d) => d.metadata.name === name) as Workload;
  const envOf = (manifests: Manifest[], name: string) => mainContainer(deployment(manifests, name)).env ?? [];

  it('finds nothing on the real copy', () => {
    for (const check of Object.values(checks)) expect(check(pristine, 'emulator')).toEqual([]);
  });

  it('a wrong container port', () => {
    const manifests = broken((m) => {
      const port = mainContainer(deployment(m, 'phone')).ports?.[0];
      if (port) port.containerPort = 4012;
    });
    expect(portAndProbeProblems(manifests)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^phone: container ports 4012 are not its PORT 4002/)]),
    );
  });

  it("the gateway's metrics on its public port", () => {
    const manifests = broken((m) => {
      const container = mainContainer(deployment(m, 'gateway'));
      container.env = container.env?.filter((v) => v.name !== 'METRICS_PORT');
    });
    expect(portAndProbeProblems(manifests)).toContain(
      'gateway: /metrics is on its public port (set METRICS_PORT)',
    );
  });

  it('a wrong PORT, a probe on the wrong path', () => {
    const manifests = broken((m) => {
      const port = envOf(m, 'fraud').find((v) => v.name === 'PORT');
      if (port) port.value = '4999';
      const probe = mainContainer(deployment(m, 'identity')).readinessProbe?.httpGet;
      if (probe) probe.path = '/health';
    });
    const problems = portAndProbeProblems(manifests);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^fraud: listens on 4999/)]));
    expect(problems).toContain('identity: readinessProbe does not ask /ready');
  });

  it('a literal secret, a secret in a ConfigMap, a variable no config reads, a value the config refuses', () => {
    const manifests = broken((m) => {
      const env = envOf(m, 'inquiry');
      const secret = env.find((v) => v.name === 'CONTEXT_SECRET');
      if (secret) {
        delete secret.valueFrom;
        secret.value = 'a-literal-secret-that-is-long-enough-0123456789';
      }
      env.push({ name: 'REDIS_URL', value: 'redis://redis:6379' }, { name: 'DB_POOL_SIZE', value: '0' });
      const platform = ofKind<ConfigMap>(m, 'ConfigMap').find((c) => c.metadata.name === 'attestor-platform');
      if (platform?.data) platform.data['ADMIN_TOKEN'] = 'an-admin-token-in-a-config-map';
    });
    const problems = environmentProblems(manifests);
    expect(problems).toContain('inquiry: CONTEXT_SECRET is a secret given as a literal, not from a Secret');
    expect(problems).toContain('inquiry: REDIS_URL is not a variable its config reads');
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^inquiry .*DB_POOL_SIZE/)]));
    expect(problems).toContain('ConfigMap attestor-platform holds the secret ADMIN_TOKEN');
  });

  it('a Secret nobody creates, development mode', () => {
    const manifests = broken((m) => {
      const token = envOf(m, 'gateway').find((v) => v.name === 'ADMIN_TOKEN');
      if (token?.valueFrom?.secretKeyRef) token.valueFrom.secretKeyRef.name = 'attestor-secret';
      const platform = ofKind<ConfigMap>(m, 'ConfigMap').find((c) => c.metadata.name === 'attestor-platform');
      if (platform?.data) platform.data['NODE_ENV'] = 'development';
    });
    const problems = environmentProblems(manifests);
    expect(problems).toContain(
      'gateway: ADMIN_TOKEN reads Secret attestor-secret key ADMIN_TOKEN, which nobody creates',
    );
    expect(problems).toContain('phone: NODE_ENV is development, not production');
  });

  it('a Twilio credential missing against real Twilio, a missing CONTEXT_SECRET', () => {
    const manifests = broken((m) => {
      const identity = mainContainer(deployment(m, 'identity'));
      identity.env = identity.env?.filter((v) => v.name !== 'TWILIO_ACCOUNT_SID');
      const twilio = ofKind<ConfigMap>(m, 'ConfigMap').find(
        (c) => c.metadata.name === 'attestor-twilio-config',
      );
      if (twilio?.data) delete twilio.data['TWILIO_EMULATOR_URL'];
      const gateway = mainContainer(deployment(m, 'gateway'));
      gateway.env = gateway.env?.filter((v) => v.name !== 'CONTEXT_SECRET');
    });
    const problems = environmentProblems(manifests);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^identity \(auth token\): refuses its environment: config: TWILIO_ACCOUNT_SID/,
        ),
        expect.stringMatching(/^gateway \(as given\): refuses its environment: config: CONTEXT_SECRET/),
      ]),
    );
  });

  it('a missing PodDisruptionBudget, a missing autoscaler, an autoscaled emulator', () => {
    const manifests = broken((m) => {
      m.splice(
        m.findIndex((x) => x.kind === 'PodDisruptionBudget' && x.metadata.name === 'fraud'),
        1,
      );
      m.splice(
        m.findIndex((x) => x.kind === 'HorizontalPodAutoscaler' && x.metadata.name === 'gateway'),
        1,
      );
      deployment(m, EMULATOR).spec.replicas = 2;
    });
    const problems = scalingProblems(manifests);
    expect(problems).toContain('fraud: no PodDisruptionBudget');
    expect(problems).toContain('gateway: no HorizontalPodAutoscaler');
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^twilio-emulator: must run exactly one/)]),
    );
  });

  it('a grace period shorter than the shutdown, a root user, a writable root filesystem', () => {
    const manifests = broken((m) => {
      deployment(m, 'inquiry').spec.template.spec.terminationGracePeriodSeconds = 15;
      const pod = deployment(m, 'phone').spec.template.spec;
      pod.securityContext = { ...pod.securityContext, runAsUser: 0 };
      const own = mainContainer(deployment(m, 'gateway')).securityContext;
      if (own) own.readOnlyRootFilesystem = false;
    });
    expect(shutdownProblems(manifests)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^inquiry: terminationGracePeriodSeconds 15 is not above/),
      ]),
    );
    const security = securityProblems(manifests);
    expect(security).toContain('phone: runAsUser is not a non-zero uid');
    expect(security).toContain('gateway/gateway: the root filesystem is writable');
  });

  it('a subgraph URL to the wrong service, an emulator URL to nowhere', () => {
    const manifests = broken((m) => {
      const url = envOf(m, 'gateway').find((v) => v.name === 'PHONE_URL');
      if (url) url.value = 'http://fraud:4003/graphql';
      const twilio = ofKind<ConfigMap>(m, 'ConfigMap').find(
        (c) => c.metadata.name === 'attestor-twilio-config',
      );
      if (twilio?.data) twilio.data['TWILIO_EMULATOR_URL'] = 'http://twilio-emulator:4011';
    });
    const problems = wiringProblems(manifests);
    expect(problems).toContain('gateway: PHONE_URL reaches fraud, not phone');
    expect(problems).toContain(
      'phone: TWILIO_EMULATOR_URL (http://twilio-emulator:4011) reaches no pod through a Service',
    );
  });

  it('two NATS servers, a missing route, no JetStream', () => {
    const manifests = broken((m) => {
      const parts = natsParts(m);
      if (parts) parts.statefulSet.spec.replicas = 2;
    });
    expect(natsProblems(manifests)).toEqual(
      expect.arrayContaining(['nats: 2 replicas, not 3', expect.stringMatching(/^nats: routes /)]),
    );
    const withoutJetStream = broken((m) => {
      const config = ofKind<ConfigMap>(m, 'ConfigMap').find((c) => c.metadata.name === 'nats-config');
      if (config?.data?.['nats.conf']) {
        config.data['nats.conf'] = config.data['nats.conf']
          .replace(/jetstream \{[^}]*\}/, '')
          .replace('nats://nats-2.nats-headless:6222', '');
      }
    });
    const problems = natsProblems(withoutJetStream);
    expect(problems).toContain('nats: JetStream is not enabled');
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^nats: routes .* are not /)]));
  });

  it('a Cluster of 1, too few connections for the pools', () => {
    const manifests = broken((m) => {
      const cluster = ofKind<CnpgCluster>(m, 'Cluster')[0];
      if (cluster) {
        cluster.spec.instances = 1;
        cluster.spec.postgresql = { parameters: { max_connections: '100' } };
      }
    });
    const problems = databaseProblems(manifests);
    expect(problems).toContain('Cluster: 1 instances, not 3');
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Cluster: max_connections 100 is below/)]),
    );
  });

  it('a kustomization that lists a missing file, a file no kustomization lists, the example Secrets listed', () => {
    const base = join(root, overlays.base);
    const copy = new Map([...kustomizations].map(([dir, k]) => [dir, structuredClone(k)]));
    const kustomization = copy.get(base) as Kustomization;
    kustomization.resources = [
      ...(kustomization.resources ?? []).filter((r) => r !== 'app/identity.yaml'),
      'app/missing.yaml',
      '../secrets.example.yaml',
    ];
    const problems = kustomizationFileProblems(copy, k8sFiles);
    expect(problems).toContain(
      'infra/k8s/base/kustomization.yaml lists app/missing.yaml, which does not exist',
    );
    expect(problems).toContain('infra/k8s/base/app/identity.yaml is listed by no kustomization');
    expect(problems).toContain('secrets.example.yaml is listed: its placeholders would be applied');
  });
});
