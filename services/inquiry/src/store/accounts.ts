import type { EntityManager } from 'typeorm';
import { RecentMap, Store } from '@attestor/platform';
import { AccountEntity, ApiKeyEntity, type Account, type ApiKey } from './entities.js';

/** Accounts and their API keys (the key itself is never stored, only its SHA-256). */
export class AccountStore extends Store {
  /** Accounts never change once created (id, name, creation): a copy read once answers from then on. */
  private readonly kept = new RecentMap<string, Account>(10_000);

  async insertAccount(db: EntityManager, account: Account): Promise<void> {
    await db.getRepository(AccountEntity).insert(account);
  }

  async account(db: EntityManager, id: string): Promise<Account | null> {
    const kept = this.kept.get(id);
    if (kept) return kept;
    const account = await db.getRepository(AccountEntity).findOneBy({ id });
    if (account) this.kept.set(id, account);
    return account;
  }

  /** The account row, locked until the transaction ends: makes a count and an insert one step. */
  async lockAccount(db: EntityManager, id: string): Promise<Account | null> {
    return db.getRepository(AccountEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async insertKey(db: EntityManager, key: ApiKey): Promise<void> {
    await db.getRepository(ApiKeyEntity).insert(key);
  }

  async lockKey(db: EntityManager, accountId: string, id: string): Promise<ApiKey | null> {
    return db
      .getRepository(ApiKeyEntity)
      .findOne({ where: { id, accountId }, lock: { mode: 'pessimistic_write' } });
  }

  async revokeKey(db: EntityManager, id: string, at: Date): Promise<void> {
    await db.getRepository(ApiKeyEntity).update({ id }, { revokedAt: at });
  }

  async keys(db: EntityManager, accountId: string): Promise<ApiKey[]> {
    return db.getRepository(ApiKeyEntity).find({ where: { accountId }, order: { id: 'DESC' } });
  }

  async keyByHash(db: EntityManager, keyHash: string): Promise<ApiKey | null> {
    return db.getRepository(ApiKeyEntity).findOneBy({ keyHash });
  }
}
