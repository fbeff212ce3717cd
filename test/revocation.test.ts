import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startPlatform, type Platform } from './support/platform.js';

/** A revoked key stops working the moment revokeApiKey answers, on the gateway that served it. */
let platform: Platform;
let owner: string;

beforeAll(async () => {
  platform = await startPlatform();
  const created = await platform.gql<{ createAccount: { apiKey: string } }>(
    ADMIN_TOKEN,
    'mutation { createAccount(name: "Revoker") { apiKey } }',
  );
  owner = created.data!.createAccount.apiKey;
});
afterAll(async () => {
  await platform?.stop();
});

describe('API key revocation', () => {
  it('refuses a key on the very next request after revokeApiKey answers, whatever the answer selects', async () => {
    for (let round = 0; round < 10; round++) {
      const made = await platform.gql<{ createApiKey: { apiKey: { id: string }; secret: string } }>(
        owner,
        'mutation { createApiKey { apiKey { id } secret } }',
      );
      const { secret, apiKey } = made.data!.createApiKey;
      // Cached by the gateway: it answered once.
      expect((await platform.gql(secret, '{ account { id } }')).errors).toBeUndefined();
      const revoked = await platform.gql(owner, 'mutation($id: ID!) { revokeApiKey(id: $id) { prefix } }', {
        id: apiKey.id,
      });
      expect(revoked.errors).toBeUndefined();
      const after = await platform.gql(secret, '{ account { id } }');
      expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});
