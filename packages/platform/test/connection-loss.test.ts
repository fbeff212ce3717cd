import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { isConnectionLoss, retryOnConnectionLoss } from '../src/index.js';
import { withinTransaction } from '../src/request-scope.js';
import { cleanupTestRun, openTestDatabase, uniqueName } from '../src/testing.js';

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
