import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import { createLogger, NatsBus, Outbox, OutboxRelay } from '../src/index.js';
import {
  cleanupTestRun,
  eventually,
  freePort,
  openTestDatabase,
  TEST_NATS_URL,
  uniqueName,
} from '../src/testing.js';

const logger = createLogger({ service: 'outbox-test', level: 'silent', format: 'json' });
const redacted = (subjectId: string) => ({
  accountId: 'acc_1',
  subjectId,
  data: { redactedAt: new Date().toISOString() },
});

async function streamSubjects(nc: NatsConnection, stream: string): Promise<string[]> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(stream);
  const subjects: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const message = await jsm.streams.getMessage(stream, { seq });
    subjects.push(message.subject);
  }
  return subjects;
}

/** The shared NATS in the run's namespace, its stream made. */
async function testBus(namespace: string, name: string): Promise<NatsBus> {
  const bus = await NatsBus.connect({ url: TEST_NATS_URL, namespace, name, logger });
  await bus.ensureStream();
  return bus;
}

describe('transactional outbox against the shared NATS', () => {
  const run = uniqueName('outbox');
  const schema = `outbox_${run}`;
  let dataSource: DataSource;
  let bus: NatsBus;
  let relay: OutboxRelay;
  let outbox: Outbox;
  let nc: NatsConnection;

  beforeAll(async () => {
    dataSource = await openTestDatabase(schema);
    bus = await testBus(run, 'outbox-test');
    relay = new OutboxRelay(dataSource, schema, bus, logger, { pollMs: 50 });
    outbox = new Outbox(dataSource, schema, bus.namespace, () => relay.wake());
    relay.start();
    nc = await connect({ servers: TEST_NATS_URL });
  });
  afterAll(async () => {
    await relay?.stop();
    await bus?.close();
    await nc?.close();
    await dataSource?.destroy();
    await cleanupTestRun(run, [schema]);
  });

  it('publishes an event once its transaction commits, with Nats-Msg-Id = event id', async () => {
    const event = await outbox.transaction((tx) => tx.publish('inquiry.redacted', redacted('inq-committed')));
    await eventually(async () => (await relay.pendingCount()) === 0, { what: 'outbox drained' });
    const jsm = await nc.jetstreamManager();
    const stored = await jsm.streams.getMessage(bus.stream, {
      last_by_subj: `${bus.namespace}inquiry.redacted.inq-committed`,
    });
    expect(stored.header.get('Nats-Msg-Id')).toBe(event.id);
    expect(JSON.parse(new TextDecoder().decode(stored.data))).toMatchObject({
      id: event.id,
      type: 'inquiry.redacted',
    });
  });

  it('never publishes the event of a rolled-back transaction', async () => {
    await expect(
      outbox.transaction(async (tx) => {
        await tx.publish('inquiry.redacted', redacted('inq-rolled-back'));
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    // A committed event after it is the marker: once it is in the stream, the relay has run past the rollback.
    await outbox.transaction((tx) => tx.publish('inquiry.redacted', redacted('inq-marker')));
    await eventually(async () =>
      (await streamSubjects(nc, bus.stream)).some((s) => s.endsWith('inq-marker')),
    );
    expect(await relay.flush()).toBe(true);
    const subjects = await streamSubjects(nc, bus.stream);
    expect(subjects.filter((s) => s.endsWith('inq-rolled-back'))).toEqual([]);
    const [row] = (await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`)) as Array<{
      n: number;
    }>;
    expect(row?.n).toBe(2);
  });

  it('publishes events in commit order', async () => {
    for (let i = 0; i < 5; i++) {
      await outbox.transaction((tx) => tx.publish('inquiry.redacted', redacted(`inq-order-${i}`)));
    }
    await eventually(async () => (await relay.pendingCount()) === 0);
    const ordered = (await streamSubjects(nc, bus.stream)).filter((s) => s.includes('inq-order-'));
    expect(ordered.map((s) => s.split('.').pop())).toEqual([0, 1, 2, 3, 4].map((i) => `inq-order-${i}`));
  });

  it('relays with one instance at a time (the lease holder), in order, and hands over when it stops', async () => {
    const second = new OutboxRelay(dataSource, schema, bus, logger, { pollMs: 50, leaseMs: 1000 });
    second.start();
    try {
      for (let i = 0; i < 40; i++) {
        await outbox.transaction((tx) => tx.publish('inquiry.redacted', redacted(`inq-two-${i}`)));
      }
      await eventually(async () => (await relay.pendingCount()) === 0, { what: 'outbox drained' });
      const [lease] = (await dataSource.query(`SELECT holder FROM "${schema}".outbox_relay`)) as Array<{
        holder: string;
      }>;
      expect(lease?.holder).toBeTruthy();
      const ordered = (await streamSubjects(nc, bus.stream)).filter((s) => s.includes('inq-two-'));
      expect(ordered.map((s) => s.split('.').pop())).toEqual(
        Array.from({ length: 40 }, (_, i) => `inq-two-${i}`),
      );
      // The first relay stops and gives its lease back: the second carries on alone.
      await relay.stop();
      await outbox.transaction((tx) => tx.publish('inquiry.redacted', redacted('inq-after-handover')));
      await eventually(async () => (await second.pendingCount()) === 0, { what: 'second relay publishes' });
      const [after] = (await dataSource.query(`SELECT holder FROM "${schema}".outbox_relay`)) as Array<{
        holder: string;
      }>;
      expect(after?.holder).not.toBe(lease?.holder);
    } finally {
      await second.stop();
      relay = new OutboxRelay(dataSource, schema, bus, logger, { pollMs: 50 });
      relay.start();
    }
  });

  it('writes inserts and their events as one statement: all of them, in one round trip, or none', async () => {
    await dataSource.query(`CREATE TABLE "${schema}".parent (id text PRIMARY KEY)`);
    await dataSource.query(
      `CREATE TABLE "${schema}".child (id text PRIMARY KEY, parent_id text NOT NULL REFERENCES "${schema}".parent (id))`,
    );
    const insert = (table: string, ...values: string[]) => ({
      text: `INSERT INTO "${schema}".${table} VALUES (${values.map((_, k) => `$${k + 1}`).join(', ')})`,
      values,
    });
    const queries = vi.spyOn(dataSource, 'query');
    const transactions = vi.spyOn(dataSource, 'transaction');
    // The child comes before its parent: foreign keys are checked at the end of the whole statement.
    const event = await outbox.insertOnce((batch) => {
      batch.add(insert('child', 'c1', 'p1'));
      batch.add(insert('parent', 'p1'));
      return batch.publish('inquiry.redacted', redacted('inq-one-statement'));
    });
    expect(queries).toHaveBeenCalledTimes(1);
    expect(queries.mock.calls[0]?.[0]).toMatch(/^WITH w1 AS \(INSERT .*\), w2 AS \(INSERT .*\) INSERT INTO/s);
    expect(transactions).not.toHaveBeenCalled();
    queries.mockRestore();
    transactions.mockRestore();
    expect(await dataSource.query(`SELECT id, parent_id FROM "${schema}".child`)).toEqual([
      { id: 'c1', parent_id: 'p1' },
    ]);
    await eventually(async () => (await relay.pendingCount()) === 0, { what: 'outbox drained' });
    const jsm = await nc.jetstreamManager();
    const stored = await jsm.streams.getMessage(bus.stream, {
      last_by_subj: `${bus.namespace}inquiry.redacted.inq-one-statement`,
    });
    expect(stored.header.get('Nats-Msg-Id')).toBe(event.id);

    // The last insert fails: the rows before it and the event vanish with it.
    const outboxRows = async () =>
      (
        (await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`)) as Array<{ n: number }>
      )[0]?.n;
    const before = await outboxRows();
    await expect(
      outbox.insertOnce((batch) => {
        batch.add(insert('parent', 'p2'));
        batch.publish('inquiry.redacted', redacted('inq-failed-statement'));
        batch.add(insert('child', 'c2', 'no-such-parent'));
      }),
    ).rejects.toThrow(/foreign key/);
    expect(await dataSource.query(`SELECT id FROM "${schema}".parent ORDER BY id`)).toEqual([{ id: 'p1' }]);
    expect(await outboxRows()).toBe(before);
  });
});

describe('outbox relays of several replicas', () => {
  const run = uniqueName('replicas');
  const schema = `outbox_${run}`;
  let dataSource: DataSource;
  let bus: NatsBus;
  let nc: NatsConnection;
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    dataSource = await openTestDatabase(schema);
    bus = await testBus(run, 'replicas-test');
    nc = await connect({ servers: TEST_NATS_URL });
  });
  afterAll(async () => {
    for (const relay of relays) await relay.stop();
    await bus?.close();
    await nc?.close();
    await dataSource?.destroy();
    await cleanupTestRun(run, [schema]);
  });

  it('wakes the lease holder when another replica commits, instead of leaving the event to its next poll', async () => {
    // Polls a minute apart: only a wake can get the event out within the two seconds allowed below.
    const holder = new OutboxRelay(dataSource, schema, bus, logger, { pollMs: 60_000 });
    relays.push(holder);
    holder.start();
    const lease = await eventually(
      async () => {
        const [row] = (await dataSource.query(`SELECT holder FROM "${schema}".outbox_relay`)) as Array<{
          holder: string;
        }>;
        return row;
      },
      { what: 'the first relay holds the lease' },
    );
    const other = new OutboxRelay(dataSource, schema, bus, logger, { pollMs: 60_000 });
    relays.push(other);
    other.start();
    // The other replica's first turn finds the lease taken.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const outbox = new Outbox(dataSource, schema, bus.namespace, () => other.wake());
    await outbox.transaction((tx) => tx.publish('inquiry.redacted', redacted('inq-from-other-replica')));
    await eventually(
      async () => (await streamSubjects(nc, bus.stream)).some((s) => s.endsWith('inq-from-other-replica')),
      { timeoutMs: 2000, what: 'the event on NATS' },
    );
    const [after] = (await dataSource.query(`SELECT holder FROM "${schema}".outbox_relay`)) as Array<{
      holder: string;
    }>;
    expect(after?.holder).toBe(lease.holder);
  });
});

/** A private nats-server so the test can stop and restart it without disturbing anyone else. */
function startNats(port: number, storeDir: string): ChildProcess {
  return spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
    stdio: 'ignore',
  });
}

async function stopNats(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

describe('outbox relay across a NATS restart', () => {
  const run = uniqueName('restart');
  const schema = `outbox_${run}`;
  const storeDir = mkdtempSync(join(tmpdir(), 'attestor-nats-'));
  let port: number;
  let server: ChildProcess;
  let dataSource: DataSource;
  let bus: NatsBus;
  let relay: OutboxRelay;

  beforeAll(async () => {
    port = await freePort();
    server = startNats(port, storeDir);
    dataSource = await openTestDatabase(schema);
    bus = await eventually(
      () =>
        NatsBus.connect({ url: `nats://127.0.0.1:${port}`, namespace: run, name: 'restart-test', logger }),
      { what: 'private nats-server' },
    );
    await bus.ensureStream();
    relay = new OutboxRelay(dataSource, schema, bus, logger, { pollMs: 50 });
    relay.start();
  });
  afterAll(async () => {
    await relay?.stop();
    await bus?.close();
    await stopNats(server);
    await dataSource?.destroy();
    await cleanupTestRun(run, [schema]).catch(() => undefined);
    rmSync(storeDir, { recursive: true, force: true });
  });

  it('keeps what piles up while NATS is down and publishes it after the restart', async () => {
    const outbox = new Outbox(dataSource, schema, bus.namespace, () => relay.wake());
    await outbox.transaction((tx) => tx.publish('inquiry.redacted', redacted('before')));
    await eventually(async () => (await relay.pendingCount()) === 0, { what: 'first event sent' });

    await stopNats(server);
    // Readiness says so at once instead of waiting for the reconnect.
    expect(await bus.reachable()).toBe(false);
    for (const id of ['during-1', 'during-2', 'during-3']) {
      await outbox.transaction((tx) => tx.publish('inquiry.redacted', redacted(id)));
    }
    // The relay cannot send them: they wait in the outbox with the failure recorded.
    await eventually(
      async () => {
        const rows = (await dataSource.query(
          `SELECT count(*)::int AS n FROM "${schema}".outbox WHERE published_at IS NULL AND attempts > 0`,
        )) as Array<{ n: number }>;
        return (rows[0]?.n ?? 0) >= 1;
      },
      { what: 'a failed publish attempt recorded' },
    );
    expect(await relay.pendingCount()).toBe(3);

    server = startNats(port, storeDir);
    await eventually(async () => (await relay.pendingCount()) === 0, {
      timeoutMs: 30_000,
      what: 'backlog published',
    });
    expect(await bus.reachable()).toBe(true);

    const nc = await connect({ servers: `nats://127.0.0.1:${port}` });
    try {
      const subjects = await streamSubjects(nc, bus.stream);
      expect(subjects.map((s) => s.split('.').pop())).toEqual(['before', 'during-1', 'during-2', 'during-3']);
    } finally {
      await nc.close();
    }
  });
});
