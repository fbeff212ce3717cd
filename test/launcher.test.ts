import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { connect } from 'nats';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { streamName } from '@attestor/contracts';
import { ConfigError } from '@attestor/platform/config';
import { eventually, TEST_DATABASE_URL, TEST_NATS_URL, uniqueName } from '@attestor/platform/testing';
import {
  EMBEDDED_POOL_SIZE,
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
import { servePGlite } from '../infra/dev/pglite-server.js';
import { copyOfRepository } from './support/repository-copy.js';

const root = fileURLToPath(new URL('../', import.meta.url));

describe('the launch plan', () => {
  const infrastructure = {
    databaseUrl: 'postgres://postgres@127.0.0.1:5432/attestor',
    natsUrl: 'nats://127.0.0.1:4222',
  };
  const plan = (env: Record<string, string>, embeddedPostgres = false, terminal = false): ChildPlan[] =>
    planChildren(parseLauncherConfig(env), { ...infrastructure, embeddedPostgres }, env, { terminal });
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

  it('gives the services a small pool on the embedded Postgres, unless DB_POOL_SIZE is set', () => {
    expect(child(plan({}, true), 'inquiry').env['DB_POOL_SIZE']).toBe(String(EMBEDDED_POOL_SIZE));
    expect(child(plan({}, false), 'inquiry').env['DB_POOL_SIZE']).toBeUndefined();
    expect(child(plan({ DB_POOL_SIZE: '7' }, true), 'inquiry').env['DB_POOL_SIZE']).toBe('7');
  });

  it('asks for pretty logs when a person watches, unless LOG_FORMAT says otherwise', () => {
    expect(child(plan({}, false, true), 'fraud').env['LOG_FORMAT']).toBe('pretty');
    expect(child(plan({}, false, false), 'fraud').env['LOG_FORMAT']).toBeUndefined();
    expect(child(plan({ LOG_FORMAT: 'json' }, false, true), 'fraud').env['LOG_FORMAT']).toBe('json');
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

describe('the embedded Postgres server', () => {
  async function serve() {
    const db = await PGlite.create('memory://');
    const port = await freePort();
    const server = await servePGlite({ db, host: '127.0.0.1', port, maxConnections: 20 });
    const clients: pg.Client[] = [];
    const client = async () => {
      const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/attestor` });
      await c.connect();
      clients.push(c);
      return c;
    };
    const stop = async () => {
      for (const c of clients) await c.end().catch(() => undefined);
      await server.stop();
      await db.close();
    };
    return { client, stop };
  }

  it('serves parameterized queries from many connections at once, while others connect', async () => {
    const { client, stop } = await serve();
    try {
      const first = await client();
      await first.query('CREATE TABLE notes (id serial PRIMARY KEY, body jsonb NOT NULL)');
      const writers = await Promise.all(Array.from({ length: 6 }, () => client()));
      await Promise.all([
        ...writers.map(async (writer, w) => {
          for (let n = 0; n < 25; n++) {
            await writer.query('INSERT INTO notes (body) VALUES ($1) RETURNING id', [
              JSON.stringify({ w, n }),
            ]);
          }
        }),
        (async () => {
          for (let n = 0; n < 10; n++)
            expect((await (await client()).query('SELECT $1::int AS n', [n])).rows).toEqual([{ n }]);
        })(),
      ]);
      expect((await first.query('SELECT count(*)::int AS count FROM notes')).rows).toEqual([{ count: 150 }]);
    } finally {
      await stop();
    }
  }, 60_000);

  it('keeps the database with a transaction until it ends, the others waiting', async () => {
    const { client, stop } = await serve();
    try {
      const [writer, reader] = [await client(), await client()];
      await writer.query('CREATE TABLE notes (id int PRIMARY KEY)');
      await writer.query('BEGIN');
      await writer.query('INSERT INTO notes VALUES ($1)', [1]);
      let readerAnswered = false;
      const read = reader.query('SELECT count(*)::int AS count FROM notes').then((result) => {
        readerAnswered = true;
        return result.rows;
      });
      await writer.query('INSERT INTO notes VALUES ($1)', [2]);
      expect(readerAnswered).toBe(false);
      await writer.query('COMMIT');
      expect(await read).toEqual([{ count: 2 }]);
    } finally {
      await stop();
    }
  }, 60_000);

  it('rolls back and frees the database when a connection goes away inside a transaction', async () => {
    const { client, stop } = await serve();
    try {
      const [leaver, other] = [await client(), await client()];
      await other.query('CREATE TABLE notes (id int PRIMARY KEY)');
      await leaver.query('BEGIN');
      await leaver.query('INSERT INTO notes VALUES ($1)', [1]);
      await leaver.end();
      expect((await other.query('SELECT count(*)::int AS count FROM notes')).rows).toEqual([{ count: 0 }]);
      await other.query('INSERT INTO notes VALUES ($1)', [1]);
    } finally {
      await stop();
    }
  }, 60_000);
});

// ---------------------------------------------------------------- `npm start` end to end

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base whose eleven ports (gateway … emulator) are all free. */
async function freePortBase(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 4000) * 10;
    const ports = Array.from({ length: 11 }, (_, offset) => base + offset);
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) return base;
  }
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    if (await portIsFree(port)) return port;
  }
}

/** Processes whose working directory is inside `directory` (everything a launcher there started): "pid command". */
function processesIn(directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd !== directory && !cwd.startsWith(`${directory}/`)) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push(`${entry} ${command}`);
    } catch {
      // gone meanwhile, or a zombie
    }
  }
  return found;
}

const pidOf = (description: string): number => Number(description.split(' ')[0]);

/** Running, as opposed to gone or a zombie (dead; reparented zombies wait for an init that reaps them). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

interface Ready {
  gatewayUrl: string;
  apiKey: string;
  accountId: string;
}

class Launch {
  private text = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly process: ChildProcess;

  constructor(
    readonly directory: string,
    env: Record<string, string>,
  ) {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] =>
          entry[1] !== undefined &&
          !/^(DATABASE_URL|NATS_URL|NATS_NAMESPACE|TWILIO_|DB_|LOG_|PORT$|HOST$)/.test(entry[0]),
      ),
    );
    // Its own process group, so the interrupt below reaches npm and everything under it, as Ctrl-C does.
    this.process = spawn('npm', ['start'], {
      cwd: directory,
      env: { ...inherited, NODE_ENV: 'development', ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.process.stdout, this.process.stderr])
      stream?.on('data', (chunk) => (this.text += String(chunk)));
    this.exited = new Promise((resolve) =>
      this.process.once('close', (code, signal) => resolve({ code, signal })),
    );
  }

  get output(): string {
    return this.text;
  }

  /** Waits for the ready banner; fails with the launcher's output if it exits first. */
  async ready(): Promise<Ready> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    await eventually(
      () => {
        if (exited) throw new Error(`npm start exited before ready:\n${this.text}`);
        return /API key: +\S+/.test(this.text);
      },
      { timeoutMs: 180_000, intervalMs: 100, what: 'the ready banner' },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- npm start output ---\n${this.text}`);
    });
    const field = (label: string) => new RegExp(`${label}: +(\\S+)`).exec(this.text)?.[1] ?? '';
    return { gatewayUrl: field('GraphQL'), apiKey: field('API key'), accountId: field('Account') };
  }

  /** Ctrl-C: SIGINT to the whole process group. */
  async interrupt(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.process.pid !== undefined) process.kill(-this.process.pid, 'SIGINT');
    return this.exited;
  }

  /** Cleanup after a failed test: nothing it started may stay. */
  killAll(): void {
    for (const pid of processesIn(this.directory).map(pidOf)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

async function accountThrough(gatewayUrl: string, apiKey: string): Promise<unknown> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query: '{ account { id } }' }),
  });
  return response.json();
}

/** Starts `npm start`, checks it serves the dev account, interrupts it and checks nothing is left. */
async function startQueryAndInterrupt(launch: Launch): Promise<{ ready: Ready; output: string }> {
  const ready = await launch.ready();
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

    const { output } = await startQueryAndInterrupt(launch);
    expect(output).toContain(`created database ${database}`);
    expect(output).not.toContain('embedded PGlite');
    expect(output).toMatch(/ready \(\d+\.\d s to ready\)/);
  }, 240_000);

  it('with nothing answering: starts an embedded PGlite and a nats-server, and finds the account again next time', async () => {
    const { copy, namespace } = prepare();
    const env = {
      ATTESTOR_PORT_BASE: String(await freePortBase()),
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/attestor`,
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      NATS_NAMESPACE: namespace,
    };

    const first = new Launch(copy, env);
    cleanups.push(() => first.killAll());
    const { ready, output } = await startQueryAndInterrupt(first);
    expect(output).toContain('starting an embedded PGlite');
    expect(output).toContain('with JetStream (data in .data/nats)');
    expect(existsSync(join(copy, '.data', 'pglite', 'PG_VERSION'))).toBe(true);

    // The data survived the stop: the second start finds the same account and hands out the same key.
    const second = new Launch(copy, env);
    cleanups.push(() => second.killAll());
    const again = await startQueryAndInterrupt(second);
    expect(again.ready.apiKey).toBe(ready.apiKey);
    expect(again.output).toContain('reused from .data/dev-account.json');
  }, 420_000);

  it('stops at once, with one line, when no NATS answers and nats-server is not installed', async () => {
    const copy = copyOfRepository();
    cleanups.push(() => rmSync(copy, { recursive: true, force: true }));
    // PATH with node only: no nats-server on it.
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/dev/start.ts'], {
      cwd: copy,
      env: {
        PATH: dirname(process.execPath),
        NATS_URL: `nats://127.0.0.1:${await freePort()}`,
        DATABASE_URL: TEST_DATABASE_URL,
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
