import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { qualified } from './sql.js';

/** The part of pg's Pool a prepared statement needs (TypeORM's postgres driver keeps it as `master`). */
interface PreparingPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * The one repository convention of every service: all SQL lives in `store/` classes extending Store.
 * Each method takes the EntityManager it runs on as its first argument — `tx.manager` inside an
 * outbox transaction, `store.reader` for a plain read — so a caller always sees which transaction
 * (if any) a query belongs to. Every query of account data filters by `account_id`.
 */
export abstract class Store {
  constructor(
    protected readonly dataSource: DataSource,
    protected readonly schema: string,
  ) {}

  /** The manager for reads (and single-statement writes) outside a transaction. */
  get reader(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * A hot-path statement run outside any transaction as a named (prepared) statement: each pooled
   * connection parses and plans it once instead of on every call — for a large read that planning
   * costs more than its execution. The name is the text's hash, so one text is one statement.
   */
  protected async prepared<T>(text: string, values: unknown[]): Promise<T[]> {
    const pool = (this.dataSource.driver as unknown as { master?: PreparingPool }).master;
    if (!pool) return (await this.reader.query(text, values)) as T[];
    const name = `attestor_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    return (await pool.query({ name, text, values })).rows as T[];
  }

  /** `"schema"."table"` for raw SQL. */
  protected table(name: string): string {
    return qualified(this.schema, name);
  }
}
