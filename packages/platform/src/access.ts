import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Caller } from './caller.js';
import { PII_READ_SCOPE } from '@attestor/contracts';
import { forbidden, unauthenticated } from './errors.js';

/**
 * Authorization rules every subgraph applies to the verified caller. Tenancy: an id from another
 * account must behave exactly like an id that does not exist, so resolvers filter by `accountId` and
 * answer NOT_FOUND, never FORBIDDEN, for foreign ids.
 */
export type PartnerCaller = Extract<Caller, { kind: 'partner' }>;
export type SessionCaller = Extract<Caller, { kind: 'session' }>;

/** Partner key or end-user session: the account whose data the request may touch. */
export function accountOf(caller: Caller): string {
  if (caller.kind === 'partner' || caller.kind === 'session') return caller.accountId;
  if (caller.kind === 'anonymous') throw unauthenticated();
  throw forbidden('The admin token manages accounts only');
}

/**
 * Whose rows a caller may read: a partner its account's, a session only its own inquiry's. Loaders
 * filter by it; an admin or anonymous caller reads nothing (null), which answers like an unknown id.
 */
export interface ReadScope {
  accountId: string;
  /** Set for a session: every read is narrowed to this inquiry. */
  inquiryId?: string;
}

export function readScopeOf(caller: Caller): ReadScope | null {
  if (caller.kind === 'partner') return { accountId: caller.accountId };
  if (caller.kind === 'session') return { accountId: caller.accountId, inquiryId: caller.inquiryId };
  return null;
}

/** readScopeOf for a resolver that must refuse (UNAUTHENTICATED / FORBIDDEN) rather than read nothing. */
export function requireReadScope(caller: Caller): ReadScope {
  accountOf(caller);
  return readScopeOf(caller) as ReadScope;
}

/** Whether a row of `inquiryId` in the scope's account is visible to it. */
export function scopeAllows(scope: ReadScope, inquiryId: string): boolean {
  return scope.inquiryId === undefined || scope.inquiryId === inquiryId;
}

/**
 * A loader batch's answers in the order of its keys: the row whose `keyOf` is each key, or `missing`
 * (a DataLoader must answer every key, and a key the scope may not see answers like an unknown one).
 */
export function answersInKeyOrder<K, R, M>(
  keys: readonly K[],
  rows: readonly R[],
  keyOf: (row: R) => K,
  missing: M,
): Array<R | M> {
  const byKey = new Map(rows.map((row) => [keyOf(row), row] as const));
  return keys.map((key) => byKey.get(key) ?? missing);
}

/** Partner back ends only (templates, webhooks, decisions, policies). */
export function requirePartner(caller: Caller): PartnerCaller {
  if (caller.kind === 'partner') return caller;
  if (caller.kind === 'anonymous') throw unauthenticated();
  throw forbidden(
    caller.kind === 'session'
      ? 'A session token may only run its own inquiry'
      : 'The admin token manages accounts only',
  );
}

export function requireAdmin(caller: Caller): void {
  if (caller.kind === 'admin') return;
  if (caller.kind === 'anonymous') throw unauthenticated();
  throw forbidden('Only the admin token may do this');
}

/** A session may touch its own inquiry only; anything else is as if it did not exist. */
export function mayAccessInquiry(caller: Caller, inquiryId: string): boolean {
  return caller.kind !== 'session' || caller.inquiryId === inquiryId;
}

/** PII in clear: partner keys holding the `pii:read` scope; everyone else sees masked values. */
export function maySeePii(caller: Caller): boolean {
  return caller.kind === 'partner' && caller.scopes.includes(PII_READ_SCOPE);
}

// ----------------------------------------------------------------------------- API keys

/** `sk_` + 32 random bytes (base64url): shown once; only its SHA-256 is stored. */
export function newApiKey(): string {
  return `sk_${randomBytes(32).toString('base64url')}`;
}

/** Keys are high-entropy random strings, so a plain SHA-256 is a safe lookup hash. */
export function apiKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

// ----------------------------------------------------------------------------- session tokens

const sessionPayloadSchema = z.object({
  a: z.string(),
  i: z.string(),
  /** Expiry, unix seconds: the inquiry's own expiry. */
  e: z.number().int(),
});

function sessionKey(contextSecret: string): Buffer {
  return createHmac('sha256', contextSecret).update('attestor/session-token').digest();
}

/**
 * The hosted flow's token: `st_<payload>.<mac>`, self-contained so the gateway checks it without a
 * database round trip. Signed with a key derived from CONTEXT_SECRET, which gateway and inquiry share.
 */
export function issueSessionToken(
  contextSecret: string,
  claims: { accountId: string; inquiryId: string; expiresAt: Date },
): string {
  const payload = Buffer.from(
    JSON.stringify({
      a: claims.accountId,
      i: claims.inquiryId,
      e: Math.floor(claims.expiresAt.getTime() / 1000),
    }),
  ).toString('base64url');
  const mac = createHmac('sha256', sessionKey(contextSecret)).update(payload).digest('base64url');
  return `st_${payload}.${mac}`;
}

/** The session a token grants, or null when it is malformed, forged or expired. */
export function verifySessionToken(
  contextSecret: string,
  token: string,
  now: number = Date.now(),
): { accountId: string; inquiryId: string; expiresAt: Date } | null {
  const match = /^st_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!match?.[1] || !match[2]) return null;
  const expected = createHmac('sha256', sessionKey(contextSecret)).update(match[1]).digest();
  const given = Buffer.from(match[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let payload: z.infer<typeof sessionPayloadSchema>;
  try {
    payload = sessionPayloadSchema.parse(JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')));
  } catch {
    return null;
  }
  if (payload.e * 1000 <= now) return null;
  return { accountId: payload.a, inquiryId: payload.i, expiresAt: new Date(payload.e * 1000) };
}
