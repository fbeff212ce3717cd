import type { DataSource, EntityManager } from 'typeorm';
import { defaultPolicy, type FraudPolicy } from '../domain/policy.js';
import { PolicyEntity, type PolicyRow } from './entities.js';

function toPolicy(row: PolicyRow | null): FraudPolicy {
  if (!row) return defaultPolicy();
  return {
    mode: row.mode,
    countries: row.countries,
    blockLineTypes: row.blockLineTypes,
    maxSmsPerDay: row.maxSmsPerDay,
  };
}

/** Each account's fraud policy; an account that never stored one has the default. */
export class PolicyStore {
  constructor(private readonly dataSource: DataSource) {}

  async get(accountId: string, manager: EntityManager = this.dataSource.manager): Promise<FraudPolicy> {
    return toPolicy(await manager.getRepository(PolicyEntity).findOneBy({ accountId }));
  }

  /** Read, change and store in one transaction, the account locked against a concurrent change. */
  async update(accountId: string, change: (current: FraudPolicy) => FraudPolicy): Promise<FraudPolicy> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `fraud-policy:${accountId}`,
      ]);
      const next = change(await this.get(accountId, manager));
      await manager
        .getRepository(PolicyEntity)
        .upsert({ accountId, ...next, updatedAt: new Date() }, ['accountId']);
      return next;
    });
  }
}
