import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { createEvent, eventSubject, type EventEnvelope } from '@attestor/contracts';
import {
  createLogger,
  DurableConsumer,
  NatsBus,
  orderingKeyOf,
  Outbox,
  applyOnly,
  inTransaction,
  request,
  retryDelay,
  twoPhase,
  type ConsumerOptions,
  type ConsumerSpec,
} from '../src/index.js';
import { cleanupTestRun, eventually, openTestDatabase, TEST_NATS_URL, uniqueName } from '../src/testing.js';

const logger = createLogger({ service: 'inbox-test', level: 'silent', format: 'json' });
const run = uniqueName('inbox');
const schema = `inbox_${run}`;
let dataSource: DataSource;
let bus: NatsBus;
let outbox: Outbox;
const consumers: DurableConsumer[] = [];

/** The handler's observable effect: one row per handled event, so a second effect would show. */
async function effects(subjectId: string): Promise<number> {
  const rows = (await dataSource.query(
    `SELECT count(*)::int AS n FROM "${schema}".effects WHERE subject_id = $1`,
    [subjectId],
  )) as Array<{ n: number }>;
  return rows[0]?.n ?? 0;
}

/** Transactions open on this test's schema's connections right now (other than the asking one). */
async function openTransactions(): Promise<number> {
  const rows = (await dataSource.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE application_name = $1 AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
    [`attestor-${schema}`],
  )) as Array<{ n: number }>;
  return rows[0]?.n ?? 0;
}

/** An `inquiry.redacted` event of `subjectId` (the event every test here publishes). */
function redacted(subjectId: string, accountId = 'acc'): EventEnvelope {
  return createEvent('inquiry.redacted', {
    accountId,
    subjectId,
    data: { redactedAt: new Date().toISOString() },
  });
}

async function publishRaw(event: EventEnvelope, messageId: string): Promise<void> {
  await bus.publish(
    eventSubject(bus.namespace, 'inquiry.redacted', event.subjectId),
    JSON.stringify(event),
    messageId,
    null,
  );
}

async function startConsumer(
  spec: ConsumerSpec,
  concurrency = 1,
  options: Partial<ConsumerOptions> = {},
): Promise<DurableConsumer> {
  const consumer = new DurableConsumer(spec, bus, dataSource, outbox, logger, {
    service: 'inboxtest',
    schema,
    maxDeliveries: 3,
    retryBaseMs: 10,
    concurrency,
    ...options,
  });
  await consumer.start();
  consumers.push(consumer);
  return consumer;
}

beforeAll(async () => {
  dataSource = await openTestDatabase(schema);
  await dataSource.query(
    `CREATE TABLE "${schema}".effects (id serial PRIMARY KEY, subject_id text NOT NULL)`,
  );
  bus = await NatsBus.connect({ url: TEST_NATS_URL, namespace: run, name: 'inbox-test', logger });
  await bus.ensureStream();
  outbox = new Outbox(dataSource, schema, bus.namespace, () => undefined);
});
afterAll(async () => {
  for (const consumer of consumers) await consumer.stop();
  await bus?.close();
  await dataSource?.destroy();
  await cleanupTestRun(run, [schema]);
});

describe('durable consumer with an inbox', () => {
  it('gives an event delivered twice exactly one effect', async () => {
    await startConsumer({
      name: 'once',
      filter: 'inquiry.redacted.twice',
      handlers: {
        'inquiry.redacted': applyOnly(async (event, tx) => {
          await tx.manager.query(`INSERT INTO "${schema}".effects (subject_id) VALUES ($1)`, [
            event.subjectId,
          ]);
        }),
      },
    });
    const event = redacted('twice');
    // Two different message ids defeat JetStream's de-duplication: both copies reach the consumer.
    await publishRaw(event, `${event.id}-a`);
    await publishRaw(event, `${event.id}-b`);
    const marker = redacted('twice');
    await publishRaw(marker, marker.id);
    // The marker is a different event: its effect proves both copies before it were processed.
    await eventually(async () => (await effects('twice')) === 2, { what: 'event and marker handled' });
    const inbox = (await dataSource.query(
      `SELECT event_id FROM "${schema}".inbox WHERE consumer = 'inboxtest-once'`,
    )) as unknown[];
    expect(inbox).toHaveLength(2);
    expect(await effects('twice')).toBe(2);
  });

  it('retries a throwing handler with backoff, then parks the event where it can be replayed', async () => {
    let calls = 0;
    let broken = true;
    const consumer = await startConsumer({
      name: 'flaky',
      filter: 'inquiry.redacted.flaky',
      handlers: {
        'inquiry.redacted': applyOnly(async (event, tx) => {
          calls += 1;
          await tx.manager.query(`INSERT INTO "${schema}".effects (subject_id) VALUES ($1)`, [
            event.subjectId,
          ]);
          if (broken) throw new Error('downstream unavailable');
        }),
      },
    });
    const event = redacted('flaky');
    await publishRaw(event, event.id);

    const [parked] = await eventually(
      async () => {
        const list = await consumer.listParked();
        return list.length > 0 ? list : undefined;
      },
      { what: 'event parked' },
    );
    expect(calls).toBe(3);
    expect(parked).toMatchObject({
      eventId: event.id,
      type: 'inquiry.redacted',
      deliveries: 3,
      replayedAt: null,
    });
    expect(parked?.error).toContain('downstream unavailable');
    // Each failed attempt rolled back with its transaction: no effect, no inbox row.
    expect(await effects('flaky')).toBe(0);

    broken = false;
    await expect(consumer.replay(parked!.id)).resolves.toBe('handled');
    expect(await effects('flaky')).toBe(1);
    expect((await consumer.listParked())[0]?.replayedAt).not.toBeNull();
    // Replaying again finds nothing waiting.
    await expect(consumer.replay(parked!.id)).rejects.toThrow(/no parked event/);
    expect(await effects('flaky')).toBe(1);
  });

  it('gathers outside any transaction, applies with what it gathered, and skips gathering for a handled event', async () => {
    const gathers: Array<{ inTransaction: boolean; openTransactions: number }> = [];
    await startConsumer({
      name: 'phases',
      filter: 'inquiry.redacted.phases',
      handlers: {
        'inquiry.redacted': twoPhase({
          gather: async (event) => {
            gathers.push({ inTransaction: inTransaction(), openTransactions: await openTransactions() });
            return `gathered:${event.id}`;
          },
          apply: async (event, gathered, tx) => {
            expect(gathered).toBe(`gathered:${event.id}`);
            await tx.manager.query(`INSERT INTO "${schema}".effects (subject_id) VALUES ($1)`, [
              event.subjectId,
            ]);
          },
        }),
      },
    });
    const event = redacted('phases');
    await publishRaw(event, `${event.id}-a`);
    await eventually(async () => (await effects('phases')) === 1, { what: 'event applied' });
    // The same event again (a redelivery past de-duplication): the inbox has it, so nothing is gathered.
    await publishRaw(event, `${event.id}-b`);
    const marker = redacted('phases');
    await publishRaw(marker, marker.id);
    await eventually(async () => (await effects('phases')) === 2, { what: 'marker applied' });
    expect(gathers).toEqual([
      { inTransaction: false, openTransactions: 0 },
      { inTransaction: false, openTransactions: 0 },
    ]);
  });

  it('ends an event that does not concern the handler with no transaction and no inbox row', async () => {
    const asked: Array<{ accountId: string; inTransaction: boolean }> = [];
    const outcomes: string[] = [];
    await startConsumer(
      {
        name: 'concerns',
        filter: 'inquiry.redacted.concerns',
        handlers: {
          'inquiry.redacted': {
            concerns: async (event) => {
              asked.push({ accountId: event.accountId, inTransaction: inTransaction() });
              return event.accountId === 'concerns-yes';
            },
            apply: async (event, _gathered, tx) => {
              await tx.manager.query(`INSERT INTO "${schema}".effects (subject_id) VALUES ($1)`, [
                event.accountId,
              ]);
            },
          },
        },
      },
      1,
      { onOutcome: (_consumer, outcome) => outcomes.push(outcome) },
    );
    const no = redacted('concerns', 'concerns-no');
    const yes = redacted('concerns', 'concerns-yes');
    await publishRaw(no, no.id);
    await publishRaw(yes, yes.id);
    await eventually(async () => (await effects('concerns-yes')) === 1, {
      what: 'the concerned event applied',
    });
    expect(await effects('concerns-no')).toBe(0);
    const inbox = (await dataSource.query(
      `SELECT event_id FROM "${schema}".inbox WHERE consumer = 'inboxtest-concerns' ORDER BY event_id`,
    )) as Array<{ event_id: string }>;
    expect(inbox.map((row) => row.event_id)).toEqual([yes.id]);
    expect(asked).toEqual([
      { accountId: 'concerns-no', inTransaction: false },
      { accountId: 'concerns-yes', inTransaction: false },
    ]);
    // Acked, not retried: each event asked once, both counted handled.
    expect(outcomes).toEqual(['handled', 'handled']);
  });

  it('narrows the filter of an existing durable, keeping its place in the stream', async () => {
    const spec = (filter: string): ConsumerSpec => ({
      name: 'narrowed',
      filter,
      handlers: {
        'inquiry.redacted': applyOnly(async (event, tx) => {
          await tx.manager.query(`INSERT INTO "${schema}".effects (subject_id) VALUES ($1)`, [
            event.subjectId,
          ]);
        }),
      },
    });
    // The release before: every redaction.
    const before = await startConsumer(spec('inquiry.redacted.>'));
    const first = redacted('narrow');
    await publishRaw(first, first.id);
    await eventually(async () => (await effects('narrow')) === 1, { what: 'the first event handled' });
    await before.stop();
    // While no replica runs: one event the new filter leaves out, one it keeps.
    const left = redacted('narrow-left-out');
    const kept = redacted('narrow');
    await publishRaw(left, left.id);
    await publishRaw(kept, kept.id);
    await startConsumer(spec('inquiry.redacted.narrow'));
    await eventually(async () => (await effects('narrow')) === 2, { what: 'the kept event handled' });
    const info = await bus.jsm.consumers.info(bus.stream, 'inboxtest-narrowed');
    expect(info.config.filter_subject).toBe(`${bus.namespace}inquiry.redacted.narrow`);
    // Nothing handled twice, nothing outside the new filter.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await effects('narrow')).toBe(2);
    expect(await effects('narrow-left-out')).toBe(0);
  });

  it('refuses an rpc ask made from inside the apply transaction, and retries the event', async () => {
    let attempts = 0;
    const consumer = await startConsumer({
      name: 'rpc-in-tx',
      filter: 'inquiry.redacted.rpcintx',
      handlers: {
        'inquiry.redacted': applyOnly(async (event) => {
          attempts += 1;
          await request(
            bus,
            'rpc.inquiry.lookup',
            { accountId: event.accountId, inquiryId: 'x' },
            { timeoutMs: 50 },
          );
        }),
      },
    });
    const event = redacted('rpcintx');
    await publishRaw(event, event.id);
    const [parked] = await eventually(
      async () => {
        const list = await consumer.listParked();
        return list.length > 0 ? list : undefined;
      },
      { what: 'event parked' },
    );
    expect(attempts).toBe(3);
    expect(parked?.error).toContain('inside a database transaction');
  });

  it('replays a parked event on its own once the cause is gone, and backs off while it is not', async () => {
    let broken = true;
    const consumer = new DurableConsumer(
      {
        name: 'auto',
        filter: 'inquiry.redacted.auto',
        handlers: {
          'inquiry.redacted': applyOnly(async (event, tx) => {
            if (broken) throw new Error('provider down');
            await tx.manager.query(`INSERT INTO "${schema}".effects (subject_id) VALUES ($1)`, [
              event.subjectId,
            ]);
          }),
        },
      },
      bus,
      dataSource,
      outbox,
      logger,
      { service: 'inboxtest', schema, maxDeliveries: 2, retryBaseMs: 10, autoReplayFirstMs: 0 },
    );
    await consumer.start();
    consumers.push(consumer);
    const event = redacted('auto');
    await publishRaw(event, event.id);
    const [parked] = await eventually(
      async () => {
        const list = await consumer.listParked();
        return list.length > 0 ? list : undefined;
      },
      { what: 'event parked' },
    );
    expect(parked?.nextReplayAt).not.toBeNull();
    // Still broken: the automatic replay fails and the next one waits longer.
    expect(await consumer.replayDue()).toBe(0);
    const [afterFailure] = await consumer.listParked();
    expect(afterFailure?.autoReplays).toBe(1);
    await dataSource.query(`UPDATE "${schema}".parked_events SET next_replay_at = now() WHERE id = $1`, [
      parked!.id,
    ]);
    broken = false;
    expect(await consumer.replayDue()).toBe(1);
    expect(await effects('auto')).toBe(1);
    const [done] = await consumer.listParked();
    expect(done?.replayedAt).not.toBeNull();
    expect(await consumer.replayDue()).toBe(0);
  });

  it('does not replay a parked event an operator discarded', async () => {
    const consumer = await startConsumer({
      name: 'discarded',
      filter: 'inquiry.redacted.discarded',
      handlers: {
        'inquiry.redacted': applyOnly(async () => {
          throw new Error('always');
        }),
      },
    });
    const event = redacted('discarded');
    await publishRaw(event, event.id);
    const [parked] = await eventually(async () => {
      const list = await consumer.listParked();
      return list.length > 0 ? list : undefined;
    });
    expect(await consumer.discard(parked!.id)).toBe(true);
    await dataSource.query(`UPDATE "${schema}".parked_events SET next_replay_at = now() WHERE id = $1`, [
      parked!.id,
    ]);
    expect(await consumer.replayDue()).toBe(0);
    await expect(consumer.replay(parked!.id)).rejects.toThrow(/no parked event/);
  });

  it('handles events of different subjects side by side, and those of one subject in stream order', async () => {
    const log: Array<{ subject: string; eventId: string; phase: 'start' | 'end' }> = [];
    let inHand = 0;
    let mostInHand = 0;
    await startConsumer(
      {
        name: 'side-by-side',
        filter: 'inquiry.redacted.*',
        handlers: {
          'inquiry.redacted': twoPhase({
            gather: async (event) => {
              if (!event.subjectId.startsWith('order-')) return;
              inHand += 1;
              mostInHand = Math.max(mostInHand, inHand);
              log.push({ subject: event.subjectId, eventId: event.id, phase: 'start' });
              await new Promise((resolve) => setTimeout(resolve, 150));
              log.push({ subject: event.subjectId, eventId: event.id, phase: 'end' });
              inHand -= 1;
            },
            apply: async () => undefined,
          }),
        },
      },
      3,
    );
    const published: Record<string, string[]> = {};
    for (const subject of ['order-a', 'order-a', 'order-a', 'order-b', 'order-c', 'order-d', 'order-e']) {
      const event = redacted(subject);
      (published[subject] ??= []).push(event.id);
      await publishRaw(event, event.id);
    }
    await eventually(async () => log.filter((l) => l.phase === 'end').length === 7, {
      what: 'seven events handled',
    });
    // One subject: each event ends before the next one starts, in the order they were published.
    const ofA = log.filter((l) => l.subject === 'order-a');
    expect(ofA.map((l) => `${l.phase}:${l.eventId}`)).toEqual(
      published['order-a']!.flatMap((id) => [`start:${id}`, `end:${id}`]),
    );
    // Several subjects: at once, but never more than the consumer's concurrency.
    expect(mostInHand).toBe(3);
  });

  it('orders by the inquiry an event names, else by its subject', () => {
    const started = redacted('inq-1');
    expect(orderingKeyOf('s', started)).toBe('inq-1');
    expect(orderingKeyOf('s', { ...started, subjectId: 'pv-1', data: { inquiryId: 'inq-2' } })).toBe('inq-2');
    expect(orderingKeyOf('subject.of.junk', null)).toBe('subject.of.junk');
  });

  it('parks a message that is not an event at once', async () => {
    const consumer = await startConsumer({ name: 'poison', filter: 'inquiry.redacted.poison', handlers: {} });
    await bus.publish(`${bus.namespace}inquiry.redacted.poison`, '{not json', 'poison-1', null);
    const parked = await eventually(async () => (await consumer.listParked())[0], { what: 'poison parked' });
    expect(parked.deliveries).toBe(1);
  });
});

describe('retry delay', () => {
  it('doubles per delivery with ±25% jitter and a one-minute cap', () => {
    expect(retryDelay(1, 1000, () => 0.5)).toBe(1000);
    expect(retryDelay(3, 1000, () => 0.5)).toBe(4000);
    expect(retryDelay(3, 1000, () => 0)).toBe(3000);
    expect(retryDelay(3, 1000, () => 1)).toBe(5000);
    expect(retryDelay(30, 1000, () => 0.5)).toBe(60_000);
  });

  it('waits up to the configured cap (EVENT_RETRY_MAX_MS: five minutes by default)', () => {
    expect(retryDelay(9, 1000, () => 0.5, 300_000)).toBe(256_000);
    expect(retryDelay(20, 1000, () => 0.5, 300_000)).toBe(300_000);
    expect(retryDelay(1000, 1000, () => 0.5, 300_000)).toBe(300_000);
  });
});
