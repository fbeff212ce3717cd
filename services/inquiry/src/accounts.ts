import type { DataSource } from 'typeorm';
import { apiKeyHash, newApiKey, notFound, type Outbox } from '@attestor/platform';
import { isUuid } from '@attestor/contracts';
import { checkAccountName, checkScopes, DEFAULT_SCOPES, keyPrefix } from './domain/api-keys.js';
import { AccountEntity, ApiKeyEntity, type Account, type ApiKey } from './store/entities.js';
import { newId } from './store/ids.js';
import type { Clock } from './clock.js';

/** What the gateway learns about a presented key: whose it is and what it may do. */
export interface Credential {
  accountId: string;
  keyId: string;
  scopes: string[];
}

/** Accounts and their API keys (stored as SHA-256 hashes; the key itself is shown once). */
export class Accounts {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
  ) {}

  async createAccount(name: string): Promise<{ account: Account; apiKey: string }> {
    const accountName = checkAccountName(name);
    const secret = newApiKey();
    const now = this.clock.now();
    const account: Account = { id: newId(), name: accountName, createdAt: now };
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(AccountEntity).insert(account);
      await manager.getRepository(ApiKeyEntity).insert(this.keyRow(account.id, secret, DEFAULT_SCOPES, now));
    });
    return { account, apiKey: secret };
  }

  async createApiKey(
    grantor: { accountId: string; scopes: readonly string[] },
    scopes: readonly string[] | null | undefined,
  ): Promise<{ apiKey: ApiKey; secret: string }> {
    const granted = checkScopes(scopes, grantor.scopes);
    const accountId = grantor.accountId;
    const secret = newApiKey();
    const apiKey = this.keyRow(accountId, secret, granted, this.clock.now());
    await this.dataSource.getRepository(ApiKeyEntity).insert(apiKey);
    return { apiKey, secret };
  }

  /** Revokes a key of the account; gateways evict it from their cache on `inquiry.api-key.revoked`. */
  async revokeApiKey(accountId: string, id: string): Promise<ApiKey> {
    if (!isUuid(id)) throw notFound('API key');
    return this.outbox.transaction(async (tx) => {
      const repository = tx.manager.getRepository(ApiKeyEntity);
      const key = await repository.findOne({ where: { id, accountId }, lock: { mode: 'pessimistic_write' } });
      if (!key) throw notFound('API key');
      if (key.revokedAt) return key;
      const revokedAt = this.clock.now();
      await repository.update({ id }, { revokedAt });
      await tx.publish('inquiry.api-key.revoked', { accountId, subjectId: id, data: { keyId: id } });
      return { ...key, revokedAt };
    });
  }

  apiKeys(accountId: string): Promise<ApiKey[]> {
    return this.dataSource.getRepository(ApiKeyEntity).find({ where: { accountId }, order: { id: 'DESC' } });
  }

  account(id: string): Promise<Account | null> {
    return this.dataSource.getRepository(AccountEntity).findOneBy({ id });
  }

  /** The gateway's question for an unknown key hash: null for an unknown or revoked key. */
  async resolveCredential(keyHash: string): Promise<Credential | null> {
    const key = await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ keyHash });
    if (!key || key.revokedAt) return null;
    return { accountId: key.accountId, keyId: key.id, scopes: key.scopes };
  }

  private keyRow(accountId: string, secret: string, scopes: string[], now: Date): ApiKey {
    return {
      id: newId(),
      accountId,
      keyHash: apiKeyHash(secret),
      prefix: keyPrefix(secret),
      scopes,
      createdAt: now,
      revokedAt: null,
    };
  }
}
