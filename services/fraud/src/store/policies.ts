import type { EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';
import { defaultPolicy, type FraudPolicy } from '../domain/policy.js';
import { PolicyEntity, type PolicyRow } from './entities.js';

export function toPolicy(row: PolicyRow | null): FraudPolicy {
  if (!row) return defaultPolicy();
  return {
    mode: row.mode,
    countries: row.countries,
    blockLineTypes: row.blockLineTypes,
    callLineTypes: row.callLineTypes,
    maxSmsPerDay: row.maxSmsPerDay,
    challengeAt: row.challengeAt,
    blockAt: row.blockAt,
    challengeAcceptsCall: row.challengeAcceptsCall,
  };
}

/** Each account's fraud policy; an account that never stored one has the default. */
export class PolicyStore extends Store {
  async get(db: EntityManager, accountId: string): Promise<FraudPolicy> {
    return toPolicy(await db.getRepository(PolicyEntity).findOneBy({ accountId }));
  }

  /** Read, change and store in one transaction, the account locked against a concurrent change. */
  async update(accountId: string, change: (current: FraudPolicy) => FraudPolicy): Promise<FraudPolicy> {
    return this.dataSource.transaction(async (db) => {
      await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`fraud-policy:${accountId}`]);
      const next = change(await this.get(db, accountId));
      await db
        .getRepository(PolicyEntity)
        .upsert({ accountId, ...next, updatedAt: new Date() }, ['accountId']);
      return next;
    });
  }
}
