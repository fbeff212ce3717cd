import type { DataSource } from 'typeorm';
import { qualified } from '@attestor/platform';
import type { NumberFacts } from '../domain/rules.js';

/** The Lookup cache, keyed by the number's keyed hash. It holds no number and no account data. */
export class LookupCache {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = qualified(schema, 'lookups');
  }

  /** The cached facts when fetched less than `maxAgeHours` ago. */
  async fresh(phoneHash: string, maxAgeHours: number): Promise<NumberFacts | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT result FROM ${this.table} WHERE phone_hash = $1 AND fetched_at > now() - make_interval(hours => $2)`,
      [phoneHash, maxAgeHours],
    )) as Array<{ result: NumberFacts }>;
    return row?.result;
  }

  async store(phoneHash: string, facts: NumberFacts): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.table} (phone_hash, result, fetched_at) VALUES ($1, $2, now())
       ON CONFLICT (phone_hash) DO UPDATE SET result = EXCLUDED.result, fetched_at = EXCLUDED.fetched_at`,
      [phoneHash, JSON.stringify(facts)],
    );
  }

  async forget(
    runner: { query(sql: string, parameters: unknown[]): Promise<unknown> },
    phoneHashes: string[],
  ) {
    if (phoneHashes.length === 0) return;
    await runner.query(`DELETE FROM ${this.table} WHERE phone_hash = ANY($1::text[])`, [phoneHashes]);
  }
}
