import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { parseConfig } from '@attestor/platform/config';
import { emulatorConfigShape } from '@attestor/twilio-emulator';
import { generateSecrets } from '../infra/dev/secrets.js';
import { fraudConfigShape } from '../services/fraud/src/config.js';
import { gatewayConfigShape } from '../services/gateway/src/config.js';
import { identityConfigShape } from '../services/identity/src/config.js';
import { inquiryConfigShape } from '../services/inquiry/src/config.js';
import { phoneConfigShape } from '../services/phone/src/config.js';

/**
 * docker-compose.yml and infra/Dockerfile against the code: every service the file names exists, listens
 * where the file says, is given only variables its config reads (with values it accepts), and waits only
 * for healthchecked dependencies. No Docker engine is needed: `docker compose config` normalizes the file
 * when the compose plugin is installed, else the file is parsed and interpolated here the same way.
 */
const root = fileURLToPath(new URL('../', import.meta.url));
const EMULATOR = 'twilio-emulator';

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  environment: Record<string, string>;
  ports: Array<{ published: number; target: number }>;
  dependsOn: Record<string, string>;
  healthcheck?: string[];
}

/**
 * What `npm run secrets` puts in .env: the only variables compose requires (`${VAR:?message}`), since
 * the services refuse the public development secrets.
 */
const dotEnv: Record<string, string> = generateSecrets();

/**
 * `${VAR:-default}`, `${VAR-default}`, `${VAR}`, `${VAR:?message}` and `$$`, with only the .env of
 * `npm run secrets` set: otherwise the file's own defaults. A required variable that is not set throws,
 * as compose does.
 */
function interpolate(value: string, env: Record<string, string> = dotEnv): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (match, name: string, operator: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      if (env[name] !== undefined) return env[name] as string;
      if (operator?.endsWith('?')) throw new Error(`required variable ${name} is not set: ${fallback ?? ''}`);
      return operator === undefined ? '' : String(fallback);
    },
  );
}

function portMapping(entry: unknown): { published: number; target: number } {
  if (typeof entry === 'string' || typeof entry === 'number') {
    const parts = String(entry).split(':');
    const target = Number(parts.at(-1));
    return { published: parts.length > 1 ? Number(parts.at(-2)) : target, target };
  }
  const object = entry as { published?: string | number; target: number };
  return { published: Number(object.published ?? object.target), target: Number(object.target) };
}

function normalize(raw: Record<string, unknown>): ComposeService {
  const environment = Object.fromEntries(
    Object.entries((raw['environment'] ?? {}) as Record<string, unknown>).map(([key, value]) => [
      key,
      interpolate(value === null ? '' : String(value)),
    ]),
  );
  const dependsOn = raw['depends_on'] ?? {};
  const healthcheck = (raw['healthcheck'] as { test?: string[] } | undefined)?.test?.map((part) =>
    interpolate(part),
  );
  return {
    image: raw['image'] as string | undefined,
    build: raw['build'] as ComposeService['build'],
    environment,
    ports: ((raw['ports'] ?? []) as unknown[]).map(portMapping),
    dependsOn: Array.isArray(dependsOn)
      ? Object.fromEntries(dependsOn.map((name: string) => [name, 'service_started']))
      : Object.fromEntries(
          Object.entries(dependsOn as Record<string, { condition?: string }>).map(([name, spec]) => [
            name,
            spec.condition ?? 'service_started',
          ]),
        ),
    ...(healthcheck ? { healthcheck } : {}),
  };
}

function composePluginPresent(): boolean {
  return spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
}

/** The file as compose sees it, with no variable of this shell leaking in. */
function loadCompose(): { services: Record<string, ComposeService>; via: string } {
  let document: { services: Record<string, Record<string, unknown>> };
  let via: string;
  if (composePluginPresent()) {
    const json = execFileSync(
      'docker',
      ['compose', '-f', 'docker-compose.yml', 'config', '--format', 'json'],
      {
        cwd: root,
        env: { PATH: process.env['PATH'] ?? '' },
        encoding: 'utf8',
      },
    );
    document = JSON.parse(json) as typeof document;
    via = 'docker compose config';
  } else {
    document = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), {
      merge: true,
    }) as typeof document;
    via = 'yaml';
  }
  const services = Object.fromEntries(
    Object.entries(document.services).map(([name, raw]) => [name, normalize(raw)]),
  );
  return { services, via };
}

const { services, via } = loadCompose();
const appNames = Object.keys(services).filter((name) => services[name]?.build !== undefined);
const codeServices = readdirSync(join(root, 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

function service(name: string): ComposeService {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** The config shape of each process an image runs: what its entry point parses at start. */
const configShapes: Record<string, z.ZodRawShape> = {
  inquiry: inquiryConfigShape,
  phone: phoneConfigShape,
  fraud: fraudConfigShape,
  identity: identityConfigShape,
  gateway: gatewayConfigShape,
  [EMULATOR]: emulatorConfigShape,
};

function configShapeOf(name: string): z.ZodRawShape {
  const shape = configShapes[name];
  if (shape === undefined) throw new Error(`no config shape known for ${name}`);
  return shape;
}

/** The port a service listens on inside its container: its PORT (EMULATOR_PORT), else its config's default. */
function listenPortOf(name: string): number {
  const shape = configShapeOf(name);
  const variable = name === EMULATOR ? 'EMULATOR_PORT' : 'PORT';
  const config = parseConfig(shape, service(name).environment) as Record<string, unknown>;
  return Number(config[variable]);
}

function defaultPortOf(name: string): number {
  const shape = configShapeOf(name);
  const variable = name === EMULATOR ? 'EMULATOR_PORT' : 'PORT';
  return Number((parseConfig(shape, {}) as Record<string, unknown>)[variable]);
}

describe(`docker-compose.yml (read with ${via})`, () => {
  it('runs Postgres 16, NATS with JetStream, the emulator and every service of services/', () => {
    expect(service('postgres').image).toBe('postgres:16');
    expect(service('nats').image).toMatch(/^nats:.*alpine/);
    expect(appNames.sort()).toEqual([...codeServices, EMULATOR].sort());
  });

  it('builds every app service from infra/Dockerfile, selecting an entry point that exists', () => {
    for (const name of appNames) {
      const build = service(name).build;
      expect(build?.dockerfile, name).toMatch(/infra\/Dockerfile$/);
      const selected = build?.args?.['SERVICE'];
      expect(selected, `${name}: build arg SERVICE`).toBe(name);
      const entry = name === EMULATOR ? 'infra/twilio-emulator/src/main.ts' : `services/${name}/src/main.ts`;
      expect(existsSync(join(root, entry)), `${name}: ${entry}`).toBe(true);
    }
  });

  it('gives each app service only variables of its config shape, with values the service accepts', () => {
    for (const name of appNames) {
      const shape = configShapeOf(name);
      const environment = service(name).environment;
      const unknown = Object.keys(environment).filter((variable) => !(variable in shape));
      expect(unknown, `${name}: variables its config does not read`).toEqual([]);
      expect(() => parseConfig(shape, environment), name).not.toThrow();
    }
  });

  it("listens on each service's default port and publishes the gateway on 4000, the emulator on 4010", () => {
    for (const name of appNames) {
      expect(listenPortOf(name), name).toBe(defaultPortOf(name));
      for (const { target } of service(name).ports)
        expect(target, `${name}: container port`).toBe(listenPortOf(name));
    }
    expect(service('gateway').ports.map((p) => p.published)).toEqual([4000]);
    expect(service(EMULATOR).ports.map((p) => p.published)).toEqual([4010]);
  });

  it('points every URL it sets at a compose service, on the port that service listens on', () => {
    const infrastructurePorts: Record<string, number> = { postgres: 5432, nats: 4222 };
    for (const name of appNames) {
      for (const [variable, value] of Object.entries(service(name).environment)) {
        if (!/^[a-z]+:\/\//.test(value)) continue;
        const url = new URL(value);
        const target = url.hostname;
        expect(services[target], `${name}: ${variable} names ${target}`).toBeDefined();
        const port = infrastructurePorts[target] ?? listenPortOf(target);
        expect(Number(url.port), `${name}: ${variable}`).toBe(port);
      }
    }
    const gateway = service('gateway').environment;
    for (const subgraph of ['inquiry', 'phone', 'fraud', 'identity']) {
      expect(gateway[`${subgraph.toUpperCase()}_URL`]).toBe(
        `http://${subgraph}:${listenPortOf(subgraph)}/graphql`,
      );
    }
    for (const twilioUser of ['phone', 'fraud', 'identity']) {
      expect(service(twilioUser).environment['TWILIO_EMULATOR_URL'], twilioUser).toBe(
        `http://${EMULATOR}:4010`,
      );
    }
  });

  it('waits only for dependencies that exist and have a healthcheck, until they are healthy', () => {
    for (const [name, spec] of Object.entries(services)) {
      for (const [target, condition] of Object.entries(spec.dependsOn)) {
        expect(services[target], `${name} depends on ${target}`).toBeDefined();
        expect(
          services[target]?.healthcheck,
          `${target} (a dependency of ${name}) has a healthcheck`,
        ).toBeDefined();
        expect(condition, `${name} → ${target}`).toBe('service_healthy');
      }
    }
    for (const name of appNames.filter((n) => n !== EMULATOR)) {
      expect(Object.keys(service(name).dependsOn), name).toEqual(
        expect.arrayContaining(['postgres', 'nats']),
      );
    }
  });

  it('healthchecks every service, the app services with node (the slim image has no curl)', () => {
    for (const [name, spec] of Object.entries(services)) {
      expect(spec.healthcheck, name).toBeDefined();
      if (!appNames.includes(name)) continue;
      expect(spec.healthcheck?.slice(0, 3), name).toEqual(['CMD', 'node', '-e']);
      expect(spec.healthcheck?.[3], name).toMatch(name === EMULATOR ? /\/health'/ : /\/ready'/);
    }
    expect(service('postgres').healthcheck).toContain('pg_isready');
    expect(service('nats').healthcheck?.join(' ')).toMatch(/:8222\/healthz/);
  });

  it('reads its own interpolation the way compose does', () => {
    expect(interpolate('${UNSET_VARIABLE:-fallback}')).toBe('fallback');
    expect(() => interpolate('${UNSET_VARIABLE:?set it}')).toThrow(/UNSET_VARIABLE is not set: set it/);
    expect(interpolate('${CONTEXT_SECRET:?set it}')).toBe(dotEnv['CONTEXT_SECRET']);
    expect(interpolate('${UNSET_VARIABLE-fallback}')).toBe('fallback');
    expect(interpolate('a${UNSET_VARIABLE}b')).toBe('ab');
    expect(interpolate('$$PORT')).toBe('$PORT');
  });
});

describe('infra/Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'infra/Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('runs as a user that is not root', () => {
    const users = instructions.filter((line) => /^USER\s/i.test(line)).map((line) => line.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:.*)?$/);
  });

  it('installs production dependencies with npm ci in a stage of their own', () => {
    expect(instructions.filter((line) => /^FROM\s/i.test(line)).length).toBeGreaterThanOrEqual(2);
    expect(instructions.some((line) => /npm ci\b.*--omit=dev/.test(line))).toBe(true);
  });

  it('keeps node_modules, .data and .git out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '.data', '.git']));
  });
});
