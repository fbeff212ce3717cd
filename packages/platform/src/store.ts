import type { DataSource, EntityManager } from 'typeorm';
import { qualified } from './sql.js';

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

  /** `"schema"."table"` for raw SQL. */
  protected table(name: string): string {
    return qualified(this.schema, name);
  }
}
