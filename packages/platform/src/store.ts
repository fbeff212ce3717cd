import type { DataSource, EntityManager, EntityTarget } from 'typeorm';
import { qualified, type Statement } from './sql.js';

/**
 * The one repository convention of every service: all SQL lives in `store/` classes extending Store.
 * Each method takes the EntityManager it runs on as its first argument — `tx.manager` inside an
 * outbox transaction, `store.reader` for a plain read — so a caller always sees which transaction
 * (if any) a query belongs to. Every query of account data filters by `account_id`.
 */
export abstract class Store {
  /** Each entity's select list, made once (columnsOf: on every hot statement). */
  private readonly columnLists = new Map<EntityTarget<unknown>, string>();

  constructor(
    protected readonly dataSource: DataSource,
    protected readonly schema: string,
  ) {}

  /** The manager for reads (and single-statement writes) outside a transaction. */
  get reader(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * Rows of raw SQL (`SELECT` / `RETURNING` the entity's columns, `columnsOf`) as the entity's objects: each column under its
   * property name. The pg driver already gives these tables' types (timestamptz → Date, jsonb →
   * objects, text[] → arrays), so renaming is all TypeORM's hydration would do, at a fraction of
   * its cost on a hot path.
   */
  protected rowsAs<T>(entity: EntityTarget<T>, rows: Array<Record<string, unknown>>): T[] {
    const columns = this.dataSource.getMetadata(entity).columns;
    return rows.map((row) => {
      const value: Record<string, unknown> = {};
      for (const column of columns) value[column.propertyName] = row[column.databaseName];
      return value as T;
    });
  }

  /**
   * The entity's columns as a select list (`"id", "account_id", …`), for `SELECT <list>` and
   * `RETURNING <list>`: named, unlike `*`, so the statement is prepared (prepared-client.ts) and a
   * column a later migration adds changes nothing here.
   */
  protected columnsOf<T>(entity: EntityTarget<T>): string {
    let list = this.columnLists.get(entity);
    if (list === undefined) {
      list = this.dataSource
        .getMetadata(entity)
        .columns.map((column) => `"${column.databaseName}"`)
        .join(', ');
      this.columnLists.set(entity, list);
    }
    return list;
  }

  /**
   * Inserts rows of the entity in one statement; an undefined property takes the column's default.
   * (A jsonb value must be an object: pg would send an array as a Postgres array.)
   */
  protected async insertAs<T>(db: EntityManager, entity: EntityTarget<T>, rows: readonly T[]): Promise<void> {
    if (rows.length === 0) return;
    const statement = this.insertStatementOf(entity, rows);
    await db.query(statement.text, statement.values);
  }

  /** insertAs's statement, unsent: for a write sent as one statement (`Outbox.insertOnce`). */
  protected insertStatementOf<T>(entity: EntityTarget<T>, rows: readonly T[]): Statement {
    if (rows.length === 0) throw new Error('an insert needs a row');
    const metadata = this.dataSource.getMetadata(entity);
    const values: unknown[] = [];
    const tuples = rows.map((row) => {
      const cells = metadata.columns.map((column) => {
        const value = (row as Record<string, unknown>)[column.propertyName];
        if (value === undefined) return 'DEFAULT';
        values.push(value);
        return `$${values.length}`;
      });
      return `(${cells.join(', ')})`;
    });
    return {
      text: `INSERT INTO ${this.table(metadata.tableName)} (${this.columnsOf(entity)}) VALUES ${tuples.join(', ')}`,
      values,
    };
  }

  /**
   * `UPDATE … SET <patch> WHERE <where>` on the entity's table; `where` uses $1…$n for `whereValues`.
   * Returns how many rows changed.
   */
  protected async updateAs<T>(
    db: EntityManager,
    entity: EntityTarget<T>,
    patch: Partial<T>,
    where: string,
    whereValues: unknown[],
  ): Promise<number> {
    const statement = this.updateStatement(entity, patch, where, whereValues);
    if (statement === null) return 0;
    const [, affected] = (await db.query(statement.text, statement.values)) as [unknown[], number];
    return affected;
  }

  /** `updateAs` answering the rows it changed, as the entity's objects. */
  protected async updateReturningAs<T>(
    db: EntityManager,
    entity: EntityTarget<T>,
    patch: Partial<T>,
    where: string,
    whereValues: unknown[],
  ): Promise<T[]> {
    const statement = this.updateStatement(entity, patch, where, whereValues);
    if (statement === null) return [];
    const [rows] = (await db.query(
      `${statement.text} RETURNING ${this.columnsOf(entity)}`,
      statement.values,
    )) as [Array<Record<string, unknown>>, number];
    return this.rowsAs(entity, rows);
  }

  private updateStatement<T>(
    entity: EntityTarget<T>,
    patch: Partial<T>,
    where: string,
    whereValues: unknown[],
  ): Statement | null {
    const metadata = this.dataSource.getMetadata(entity);
    const values = [...whereValues];
    const sets: string[] = [];
    for (const column of metadata.columns) {
      const value = (patch as Record<string, unknown>)[column.propertyName];
      if (value === undefined) continue;
      values.push(value);
      sets.push(`"${column.databaseName}" = $${values.length}`);
    }
    if (sets.length === 0) return null;
    return {
      text: `UPDATE ${this.table(metadata.tableName)} SET ${sets.join(', ')} WHERE ${where}`,
      values,
    };
  }

  /** `"schema"."table"` for raw SQL. */
  protected table(name: string): string {
    return qualified(this.schema, name);
  }
}
