import { PII_READ_SCOPE } from '@attestor/contracts';
import { badInput, forbidden } from '@attestor/platform/errors';

/** The scopes a key may carry. A key with none may do everything but read PII in clear. */
export const apiKeyScopes = [PII_READ_SCOPE] as const;
export const DEFAULT_SCOPES: string[] = [PII_READ_SCOPE];

/**
 * The scopes of a new key. `grantor` is the scopes of the key asking for it, if any: a key may hand out
 * only what it holds itself, so a key without pii:read cannot mint one that has it.
 */
export function checkScopes(
  scopes: readonly string[] | null | undefined,
  grantor?: readonly string[],
): string[] {
  const wanted = scopes ?? DEFAULT_SCOPES;
  const out: string[] = [];
  for (const scope of wanted) {
    if (!(apiKeyScopes as readonly string[]).includes(scope)) {
      throw badInput(`Unknown scope ${scope}; known: ${apiKeyScopes.join(', ')}`, 'scopes');
    }
    if (grantor && !grantor.includes(scope))
      throw forbidden(`This key does not hold ${scope} and cannot grant it`);
    if (!out.includes(scope)) out.push(scope);
  }
  return out;
}

/** `sk_` and the first 8 key characters: enough to tell keys apart, far too little to guess one. */
export function keyPrefix(key: string): string {
  return key.slice(0, 11);
}

export const ACCOUNT_NAME_MAX_LENGTH = 100;

export function checkAccountName(name: string): string {
  const trimmed = name.trim();
  const length = [...trimmed].length;
  if (length === 0 || length > ACCOUNT_NAME_MAX_LENGTH) {
    throw badInput(`An account name must have 1 to ${ACCOUNT_NAME_MAX_LENGTH} characters`, 'name');
  }
  return trimmed;
}
