import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';

/**
 * PGlite over the Postgres wire protocol for several clients at once.
 *
 * PGlite is one backend, so connections take turns. pglite-socket (0.2.17) frames the protocol well, but its
 * own queue hands PGlite to another connection between any two messages unless an explicit transaction is
 * open. An extended-protocol query (Parse, Bind, Describe, Execute, Sync: every parameterized `pg` query) is
 * several messages, so two connections' queries interleave and fail with "unnamed prepared statement does
 * not exist" / "portal "" does not exist". The scheduler below keeps PGlite with one connection from its
 * first message until PGlite is idle again: after a Sync, a simple Query or the startup, outside a
 * transaction block. A transaction therefore holds every other connection until it ends, as it does in
 * pglite-socket.
 */

/** Message types (the first byte of every message after the startup) that end a request cycle. */
const SIMPLE_QUERY = 0x51; // 'Q'
const SYNC = 0x53; // 'S'
const TERMINATE = 0x58; // 'X'
const SYNC_MESSAGE = new Uint8Array([SYNC, 0, 0, 0, 4]);

interface Pending {
  connection: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

/** The queue pglite-socket's handlers talk to (the same four methods as its own QueryQueueManager). */
export class ConnectionScheduler {
  private readonly waiting: Pending[] = [];
  /** The connection PGlite is with, until it is idle again. */
  private owner: number | undefined;
  private draining = false;

  constructor(private readonly db: PGlite) {}

  enqueue(connection: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ connection, message, onData, resolve, reject });
      void this.drain();
    });
  }

  getQueueLength(): number {
    return this.waiting.length;
  }

  clearQueueForHandler(connection: number): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const pending = this.waiting[i];
      if (pending?.connection !== connection) continue;
      this.waiting.splice(i, 1);
      pending.reject(new Error('connection closed'));
    }
  }

  /** A connection went away while PGlite was with it: end its request cycle and transaction, free PGlite. */
  async clearTransactionIfNeeded(connection: number): Promise<void> {
    if (this.owner !== connection) return;
    await this.db.runExclusive(() => this.db.execProtocolRaw(SYNC_MESSAGE));
    // Outside runExclusive: exec takes PGlite's lock itself.
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.owner = undefined;
    void this.drain();
  }

  private next(): Pending | undefined {
    const index = this.owner === undefined ? 0 : this.waiting.findIndex((p) => p.connection === this.owner);
    // The owner has not sent its next message yet: the others wait for it.
    if (index < 0 || index >= this.waiting.length) return undefined;
    return this.waiting.splice(index, 1)[0];
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let pending = this.next(); pending !== undefined; pending = this.next()) {
        this.owner = pending.connection;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(pending.message, {
              onRawData: (data) => {
                bytes += data.length;
                pending.onData(data);
              },
            }),
          );
        } catch (error) {
          pending.reject(error);
          continue;
        }
        if (endsRequestCycle(pending.message) && !this.db.isInTransaction()) this.owner = undefined;
        pending.resolve(bytes);
      }
    } finally {
      this.draining = false;
    }
  }
}

/** Sync, a simple query, Terminate, or the startup message (which has no type byte: it starts with its length). */
function endsRequestCycle(message: Uint8Array): boolean {
  const type = message[0];
  return type === SYNC || type === SIMPLE_QUERY || type === TERMINATE || type === 0;
}

export interface PGliteServerOptions {
  db: PGlite;
  host: string;
  port: number;
  maxConnections: number;
}

export interface RunningPGliteServer {
  stop(): Promise<void>;
}

export async function servePGlite({
  db,
  host,
  port,
  maxConnections,
}: PGliteServerOptions): Promise<RunningPGliteServer> {
  const scheduler = new ConnectionScheduler(db);
  const handlers = new Set<PGLiteSocketHandler>();
  const server: Server = createServer((socket: Socket) => {
    const handler = new PGLiteSocketHandler({
      // The handler is typed against pglite-socket's own queue class; the scheduler has its public methods.
      queryQueue: scheduler as unknown as PGLiteSocketHandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    handlers.add(handler);
    handler.addEventListener('close', () => handlers.delete(handler));
    handler.addEventListener('error', () => handlers.delete(handler));
    handler.attach(socket).catch(() => socket.destroy());
  });
  server.maxConnections = maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...handlers].map((handler) => handler.detach(true)));
      await closed;
    },
  };
}
