import { badInput } from '@attestor/platform/errors';

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

export function checkIdempotencyKey(key: string | null | undefined): string | null {
  if (key === null || key === undefined) return null;
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw badInput(
      `An idempotency key must have 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`,
      'idempotencyKey',
    );
  }
  return key;
}

type Canonical = string | number | boolean | null | Canonical[] | { [key: string]: Canonical };

/**
 * One spelling per request: object keys sorted, absent and null members dropped. Two requests are "the
 * same input" when their canonical forms are equal, however the client ordered or omitted fields.
 */
export function canonicalJson(value: unknown): string {
  const normalize = (v: unknown): Canonical | undefined => {
    if (v === null || v === undefined) return undefined;
    if (Array.isArray(v)) return v.map((item) => normalize(item) ?? null);
    if (typeof v === 'object') {
      const out: { [key: string]: Canonical } = {};
      for (const key of Object.keys(v).sort()) {
        const member = normalize((v as Record<string, unknown>)[key]);
        if (member !== undefined) out[key] = member;
      }
      return out;
    }
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    return String(v);
  };
  return JSON.stringify(normalize(value) ?? null);
}
