import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, NatsBus } from '@attestor/platform';
import { eventually, freePort, uniqueName } from '@attestor/platform/testing';
import { findOnPath, NATS_INSTALL_HINT } from '../infra/dev/nats.js';

/**
 * NATS_STREAM_REPLICAS on a real three-server JetStream cluster (what infra/k8s runs): the event
 * stream is created on all three, a stream made with one replica is raised at the next start, and a
 * service started with the default never lowers it.
 */
const logger = createLogger({ service: 'nats-cluster-test', level: 'silent', format: 'json' });
const servers: ChildProcess[] = [];
let directory: string;
let clientUrl: string;

beforeAll(async () => {
  const binary = findOnPath('nats-server', process.env['PATH']);
  if (binary === undefined) throw new Error(NATS_INSTALL_HINT);
  directory = mkdtempSync(join(tmpdir(), 'attestor-nats-cluster-'));
  const clientPorts = [await freePort(), await freePort(), await freePort()];
  const routePorts = [await freePort(), await freePort(), await freePort()];
  const routes = routePorts.map((port) => `nats-route://127.0.0.1:${port}`).join(', ');
  clientPorts.forEach((port, index) => {
    const config = join(directory, `n${index}.conf`);
    writeFileSync(
      config,
      [
        `server_name: n${index}`,
        `listen: 127.0.0.1:${port}`,
        `jetstream { store_dir: "${join(directory, `store${index}`)}" }`,
        `cluster { name: attestor, listen: 127.0.0.1:${routePorts[index]}, routes: [${routes}] }`,
      ].join('\n'),
    );
    servers.push(spawn(binary, ['-c', config], { stdio: 'ignore' }));
  });
  clientUrl = `nats://127.0.0.1:${clientPorts[0]}`;
  // JetStream answers once the three servers elected a meta leader.
  await eventually(
    async () => {
      const bus = await NatsBus.connect({ url: clientUrl, namespace: 'probe', name: 'probe', logger });
      try {
        const info = await bus.jsm.getAccountInfo();
        return info !== undefined;
      } catch {
        return false;
      } finally {
        await bus.close();
      }
    },
    { timeoutMs: 30_000, what: 'the NATS cluster to elect a JetStream leader' },
  );
}, 60_000);

afterAll(async () => {
  for (const server of servers) server.kill('SIGTERM');
  await Promise.all(
    servers.map((server) =>
      server.exitCode !== null ? undefined : new Promise((resolve) => server.once('exit', resolve)),
    ),
  );
  if (directory) rmSync(directory, { recursive: true, force: true });
});

async function replicasOf(namespace: string, replicas: number | undefined): Promise<number> {
  const bus = await NatsBus.connect({ url: clientUrl, namespace, name: 'replicas-test', logger });
  try {
    await bus.ensureStream(replicas);
    const info = await bus.jsm.streams.info(bus.stream);
    return info.config.num_replicas;
  } finally {
    await bus.close();
  }
}

describe('the event stream on a three-server NATS cluster', () => {
  it('is created with NATS_STREAM_REPLICAS replicas', async () => {
    expect(await replicasOf(uniqueName('r3'), 3)).toBe(3);
  }, 30_000);

  it('is raised from one replica at the next start, and never lowered by the default', async () => {
    const namespace = uniqueName('raise');
    expect(await replicasOf(namespace, undefined)).toBe(1);
    expect(await replicasOf(namespace, 3)).toBe(3);
    expect(await replicasOf(namespace, undefined)).toBe(3);
  }, 30_000);
});
