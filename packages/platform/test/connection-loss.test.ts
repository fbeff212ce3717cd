import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import {
  createFormatError,
  createLogger,
  isConnectionLoss,
  isDatabaseUnavailable,
  retryOnConnectionLoss,
} from '../src/index.js';
import { withinTransaction } from '../src/request-scope.js';
import { cleanupTestRun, openTestDatabase, TEST_DATABASE_URL, uniqueName } from '../src/testing.js';

/**
 * A write that must not be lost to a database blip, against the real PostgreSQL: the session is
 * terminated by the server in the middle of the transaction (what a restart or pg_terminate_backend
 * does), and the write runs again on a connection the pool makes anew.
 */
describe('retryOnConnectionLoss', () => {
  const run = uniqueName('connloss');
  const schema = `connloss_${run}`;
  let dataSource: DataSource;
  const table = `"${schema}".records`;

  beforeAll(async () => {
    dataSource = await openTestDatabase(schema, { poolSize: 2, platformTables: false });
    await dataSource.query(`CREATE TABLE ${table} (id text PRIMARY KEY)`);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await cleanupTestRun(run, [schema]);
  });

  const count = async (id: string) =>
    Number(
      (
        (await dataSource.query(`SELECT count(*) AS n FROM ${table} WHERE id = $1`, [id])) as Array<{
          n: string;
        }>
      )[0]!.n,
    );

  it('writes once when the server ends the session mid-transaction, and says the first error was a lost connection', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    await retryOnConnectionLoss(
      () =>
        dataSource.transaction(async (manager) => {
          runs += 1;
          await manager.query(`INSERT INTO ${table} (id) VALUES ($1) ON CONFLICT DO NOTHING`, ['a']);
          if (runs === 1) await manager.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }),
      { pauseMs: 10, onRetry: (error) => errors.push(error) },
    );
    expect(runs).toBe(2);
    expect(errors).toHaveLength(1);
    expect(isConnectionLoss(errors[0])).toBe(true);
    expect(await count('a')).toBe(1);
  });

  it('does not run again for an error the database answered, nor past its tries', async () => {
    await dataSource.query(`INSERT INTO ${table} (id) VALUES ('taken')`);
    let runs = 0;
    const refused = await retryOnConnectionLoss(async () => {
      runs += 1;
      await dataSource.query(`INSERT INTO ${table} (id) VALUES ('taken')`);
    }).catch((error: unknown) => error);
    expect(runs).toBe(1);
    expect(isConnectionLoss(refused)).toBe(false);

    let lost = 0;
    const gaveUp = await retryOnConnectionLoss(
      async () => {
        lost += 1;
        await dataSource.query('SELECT pg_terminate_backend(pg_backend_pid())');
      },
      { tries: 3, pauseMs: 10 },
    ).catch((error: unknown) => error);
    expect(lost).toBe(3);
    expect(isConnectionLoss(gaveUp)).toBe(true);
  });

  it('refuses to run inside a transaction, where a retry would reuse the broken one', async () => {
    await expect(withinTransaction(() => retryOnConnectionLoss(async () => 1))).rejects.toThrow(
      /not inside one/,
    );
  });
});

/**
 * What a caller reads when the database is not there: the driver's real errors (nothing listens; a
 * server that takes the connection and never answers) through the services' error formatter.
 */
describe('a GraphQL error from a database that does not answer', () => {
  const format = createFormatError(createLogger({ service: 'test', level: 'silent', format: 'json' }));
  const asClientSees = (error: unknown) =>
    format(
      { message: String((error as Error).message), extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      new GraphQLError(String((error as Error).message), { originalError: error as Error }),
    );
  const silent = new Set<Socket>();
  let mute: Server;
  beforeAll(async () => {
    mute = createServer((socket) => silent.add(socket));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of silent) socket.destroy();
    await new Promise((resolve) => mute.close(resolve));
  });

  const failureOf = async (connectionString: string) => {
    const pool = new pg.Pool({ connectionString, connectionTimeoutMillis: 300, max: 1 });
    pool.on('error', () => undefined);
    try {
      return await pool.query('SELECT 1').then(
        () => null,
        (error: unknown) => error,
      );
    } finally {
      await pool.end();
    }
  };

  it('says it is temporary, without the driver message, when nothing listens or nothing answers', async () => {
    const refused = await failureOf('postgres://postgres@127.0.0.1:1/none');
    const port = (mute.address() as AddressInfo).port;
    const unanswered = await failureOf(`postgres://postgres@127.0.0.1:${port}/none`);
    for (const error of [refused, unanswered]) {
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(asClientSees(error)).toEqual({
        message: 'Temporarily unavailable: the service could not reach its database; try again shortly',
        extensions: { code: 'INTERNAL', reason: 'TEMPORARILY_UNAVAILABLE' },
      });
    }
  });

  it('says the same when every connection of the pool stays busy past its wait', async () => {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 200, max: 1 });
    const held = await pool.connect();
    try {
      const waited = await pool.query('SELECT 1').then(
        () => null,
        (error: unknown) => error,
      );
      expect(isConnectionLoss(waited)).toBe(false);
      expect(isDatabaseUnavailable(waited)).toBe(true);
      expect(asClientSees(waited).extensions).toEqual({
        code: 'INTERNAL',
        reason: 'TEMPORARILY_UNAVAILABLE',
      });
    } finally {
      held.release();
      await pool.end();
    }
  });

  it('keeps any other fault a plain internal error', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    expect(isDatabaseUnavailable(bug)).toBe(false);
    expect(asClientSees(bug)).toEqual({ message: 'Internal error', extensions: { code: 'INTERNAL' } });
  });
});
