import type { DataSource, EntityManager } from 'typeorm';
import {
  createEvent,
  eventSubject,
  type EventData,
  type EventEnvelope,
  type EventInput,
  type EventType,
} from '@attestor/contracts';
import { currentRequestId, withinTransaction } from '../request-scope.js';
import { currentTraceparent } from '../tracing.js';
import { asOneStatement, qualified, type Statement } from '../sql.js';

/** A database transaction that can also publish events: they commit, or vanish, with it. */
export interface Transaction {
  readonly manager: EntityManager;
  publish<T extends EventType>(
    type: T,
    fields: { accountId: string; subjectId: string; data: EventInput<T> },
  ): Promise<EventEnvelope<EventData<T>>>;
}

/**
 * A write that reads nothing first (inserts, and deletes whose answer nobody needs), and the events
 * it publishes, collected to be sent as one statement (`Outbox.insertOnce`): nothing is read before
 * it is written, so nothing needs a transaction to stay consistent.
 */
export interface InsertBatch {
  add(statement: Statement): void;
  publish<T extends EventType>(
    type: T,
    fields: { accountId: string; subjectId: string; data: EventInput<T> },
  ): EventEnvelope<EventData<T>>;
}

export interface TransactionOptions {
  requestId?: string | null;
  isolation?: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';
}

/**
 * The transactional outbox: `transaction()` runs work and writes the events it publishes as rows of the
 * same transaction; after commit the relay is woken to send them. A rolled-back transaction sends nothing.
 */
export class Outbox {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    readonly schema: string,
    private readonly namespace: string,
    private readonly afterCommit: () => void,
  ) {
    this.table = qualified(schema, 'outbox');
  }

  async transaction<R>(work: (tx: Transaction) => Promise<R>, options: TransactionOptions = {}): Promise<R> {
    let published = 0;
    const run = (manager: EntityManager) =>
      withinTransaction(() =>
        work({
          manager,
          publish: async (type, fields) => {
            const event = createEvent(type, fields);
            await this.append(manager, event, options.requestId ?? currentRequestId());
            published += 1;
            return event;
          },
        }),
      );
    const result = options.isolation
      ? await this.dataSource.transaction(options.isolation, run)
      : await this.dataSource.transaction(run);
    if (published > 0) this.afterCommit();
    return result;
  }

  /**
   * A write that reads nothing first, with its events, as one statement (asOneStatement): atomic like a
   * transaction, in one round trip instead of one per row plus BEGIN and COMMIT. For the hot writes
   * that read nothing first (an inquiry's creation, a phone verification's); anything that must read
   * or lock uses transaction().
   */
  async insertOnce<R>(
    build: (batch: InsertBatch) => R | Promise<R>,
    options: TransactionOptions = {},
  ): Promise<R> {
    const statements: Statement[] = [];
    let published = 0;
    const requestId = options.requestId ?? currentRequestId();
    const result = await build({
      add: (statement) => {
        statements.push(statement);
      },
      publish: (type, fields) => {
        const event = createEvent(type, fields);
        statements.push(this.appendStatement(event, requestId));
        published += 1;
        return event;
      },
    });
    const statement = asOneStatement(statements);
    await this.dataSource.query(statement.text, statement.values);
    if (published > 0) this.afterCommit();
    return result;
  }

  /** Writes one event row with the caller's manager (inside its transaction). */
  async append(manager: EntityManager, event: EventEnvelope, requestId: string | null): Promise<void> {
    const statement = this.appendStatement(event, requestId);
    await manager.query(statement.text, statement.values);
  }

  private appendStatement(event: EventEnvelope, requestId: string | null): Statement {
    return {
      text: `INSERT INTO ${this.table} (event_id, subject, payload, request_id, traceparent) VALUES ($1, $2, $3, $4, $5)`,
      values: [
        event.id,
        eventSubject(this.namespace, event.type as EventType, event.subjectId),
        JSON.stringify(event),
        requestId,
        currentTraceparent(),
      ],
    };
  }
}
