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

/**
 * Bumps an account's settings version (policy or lists changed): every instance's in-memory copy of
 * them is then older than the database's, and its next assessment reads them again.
 */
export const bumpSettingsVersion = (table: string, accountParameter = '$1') =>
  `INSERT INTO ${table} AS v (account_id, version) VALUES (${accountParameter}, 1)
   ON CONFLICT (account_id) DO UPDATE SET version = v.version + 1`;

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
      await db.query(bumpSettingsVersion(this.table('settings_versions')), [accountId]);
      return next;
    });
  }
}
