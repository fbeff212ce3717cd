import { apiKeyHash, newApiKey, notFound, type Clock, type Outbox } from '@attestor/platform';
import { isUuid } from '@attestor/contracts';
import { checkAccountName, checkScopes, DEFAULT_SCOPES, keyPrefix } from '../domain/api-keys.js';
import type { AccountStore } from '../store/accounts.js';
import type { Account, ApiKey } from '../store/entities.js';
import { newId } from '../store/ids.js';

/** What the gateway learns about a presented key: whose it is and what it may do. */
export interface Credential {
  accountId: string;
  keyId: string;
  scopes: string[];
}

/** Accounts and their API keys (stored as SHA-256 hashes; the key itself is shown once). */
export class Accounts {
  constructor(
    private readonly store: AccountStore,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
  ) {}

  async createAccount(name: string): Promise<{ account: Account; apiKey: string }> {
    const accountName = checkAccountName(name);
    const secret = newApiKey();
    const now = this.clock.now();
    const account: Account = { id: newId(), name: accountName, createdAt: now };
    await this.outbox.transaction(async (tx) => {
      await this.store.insertAccount(tx.manager, account);
      await this.store.insertKey(tx.manager, this.keyRow(account.id, secret, DEFAULT_SCOPES, now));
    });
    return { account, apiKey: secret };
  }

  async createApiKey(
    grantor: { accountId: string; scopes: readonly string[] },
    scopes: readonly string[] | null | undefined,
  ): Promise<{ apiKey: ApiKey; secret: string }> {
    const granted = checkScopes(scopes, grantor.scopes);
    const secret = newApiKey();
    const apiKey = this.keyRow(grantor.accountId, secret, granted, this.clock.now());
    await this.store.insertKey(this.store.reader, apiKey);
    return { apiKey, secret };
  }

  /** Revokes a key of the account; gateways evict it from their cache on `inquiry.api-key.revoked`. */
  async revokeApiKey(accountId: string, id: string): Promise<ApiKey> {
    if (!isUuid(id)) throw notFound('API key');
    return this.outbox.transaction(async (tx) => {
      const key = await this.store.lockKey(tx.manager, accountId, id);
      if (!key) throw notFound('API key');
      if (key.revokedAt) return key;
      const revokedAt = this.clock.now();
      await this.store.revokeKey(tx.manager, id, revokedAt);
      await tx.publish('inquiry.api-key.revoked', { accountId, subjectId: id, data: { keyId: id } });
      return { ...key, revokedAt };
    });
  }

  apiKeys(accountId: string): Promise<ApiKey[]> {
    return this.store.keys(this.store.reader, accountId);
  }

  account(id: string): Promise<Account | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.store.account(this.store.reader, id);
  }

  /** The gateway's question for an unknown key hash: null for an unknown or revoked key. */
  async resolveCredential(keyHash: string): Promise<Credential | null> {
    const key = await this.store.keyByHash(this.store.reader, keyHash);
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
