import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { statementName } from '../src/index.js';
import { cleanupTestRun, openTestDatabase, uniqueName } from '../src/testing.js';

const run = uniqueName('prepared');
const schema = `prepared_${run}`;
let dataSource: DataSource;

/** The test table's named statements on the pool's one connection (pg_prepared_statements is per session). */
async function prepared(): Promise<string[]> {
  const rows = (await dataSource.query(
    `SELECT statement FROM pg_prepared_statements
      WHERE name LIKE 'attestor_%' AND statement LIKE '%' || '"${schema}".items' || '%' ORDER BY statement`,
  )) as Array<{ statement: string }>;
  return rows.map((row) => row.statement);
}

beforeAll(async () => {
  dataSource = await openTestDatabase(schema, { poolSize: 1 });
  await dataSource.query(`CREATE TABLE "${schema}".items (id int PRIMARY KEY, label text NOT NULL)`);
});
afterAll(async () => {
  await dataSource?.destroy();
  await cleanupTestRun(run, [schema]);
});

describe('repeated statements run prepared', () => {
  it('names a parameterized statement from its second run, with the same answers', async () => {
    const insert = `INSERT INTO "${schema}".items (id, label) VALUES ($1, $2)`;
    const read = `SELECT label FROM "${schema}".items WHERE id = $1`;
    await dataSource.query(insert, [1, 'one']);
    expect(await prepared()).toEqual([]);
    await dataSource.query(insert, [2, 'two']);
    await dataSource.query(insert, [3, 'three']);
    expect(await prepared()).toEqual([insert]);
    const answers: unknown[] = [];
    for (const id of [1, 2, 3]) answers.push(await dataSource.query(read, [id]));
    expect(answers).toEqual([[{ label: 'one' }], [{ label: 'two' }], [{ label: 'three' }]]);
    expect(await prepared()).toEqual([insert, read]);
  });

  it('plans every run for its values (no generic plan cached while a table was small)', async () => {
    const [row] = (await dataSource.query(`SHOW plan_cache_mode`)) as Array<{ plan_cache_mode: string }>;
    expect(row?.plan_cache_mode).toBe('force_custom_plan');
  });

  it('leaves a statement with * unnamed, and one without parameters', async () => {
    const star = `SELECT * FROM "${schema}".items WHERE id = $1`;
    for (let i = 0; i < 3; i++) await dataSource.query(star, [1]);
    for (let i = 0; i < 3; i++) await dataSource.query(`SELECT count(id)::int AS n FROM "${schema}".items`);
    expect(await prepared()).not.toContain(star);
    expect(statementName(star)).toBeNull();
    expect(statementName(`UPDATE "${schema}".items SET label = $1 RETURNING items.*`)).toBeNull();
  });

  it('names a statement that counts with count(*): its result type is its own', async () => {
    const counted = `SELECT count(*)::int AS n FROM "${schema}".items WHERE id > $1`;
    for (let i = 0; i < 3; i++) await dataSource.query(counted, [0]);
    expect(await prepared()).toContain(counted);
  });

  it('still answers a statement whose table gained a column after it was prepared', async () => {
    const read = `SELECT id, label FROM "${schema}".items WHERE id = $1`;
    await dataSource.query(read, [1]);
    await dataSource.query(read, [1]);
    expect(await prepared()).toContain(read);
    // A later release's migration adds a column while this one runs.
    await dataSource.query(`ALTER TABLE "${schema}".items ADD COLUMN note text`);
    expect(await dataSource.query(read, [2])).toEqual([{ id: 2, label: 'two' }]);
  });
});

describe('with DB_PREPARED_STATEMENTS=false', () => {
  it('runs every statement unnamed', async () => {
    const plain = await openTestDatabase(schema, { poolSize: 1, preparedStatements: false });
    try {
      const read = `SELECT label FROM "${schema}".items WHERE id = $1 AND label IS NOT NULL`;
      for (let i = 0; i < 3; i++) await plain.query(read, [1]);
      const rows = (await plain.query(
        `SELECT count(name)::int AS n FROM pg_prepared_statements WHERE name LIKE 'attestor_%'`,
      )) as Array<{ n: number }>;
      expect(rows[0]?.n).toBe(0);
    } finally {
      await plain.destroy();
    }
  });
});
