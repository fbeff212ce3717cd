import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError, ErrorCode } from './errors.js';

/**
 * Who is calling, as the gateway established it. Subgraphs trust this only when it arrives signed
 * (HMAC-SHA256 over timestamp, the claims and the body hash) with a fresh timestamp.
 */
export const callerSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('partner'),
    accountId: z.string(),
    keyId: z.string(),
    scopes: z.array(z.string()),
  }),
  /** The end user in the hosted flow: one inquiry, its phone steps, nothing else. */
  z.object({ kind: z.literal('session'), accountId: z.string(), inquiryId: z.string() }),
  /** The operator holding ADMIN_TOKEN: account management only. */
  z.object({ kind: z.literal('admin') }),
  /** No credentials: the gateway forwards it only for operations that need none. */
  z.object({ kind: z.literal('anonymous') }),
]);
export type Caller = z.infer<typeof callerSchema>;

export const claimsSchema = z.object({
  caller: callerSchema,
  requestId: z.string().max(128),
  /** The end user's address as the gateway saw it (fraud rules rate-limit by IP). */
  ip: z.string().nullable(),
  /** Unique per signed request: a subgraph accepts each once (ReplayGuard), so a captured request cannot be sent again. */
  nonce: z.string().min(16).max(64),
});
export type Claims = z.infer<typeof claimsSchema>;
/** Claims as a signer writes them: the nonce is added when missing. */
export type UnsignedClaims = Omit<Claims, 'nonce'> & { nonce?: string };

/** A random UUID: 122 random bits from Node's pooled entropy (no system call per signed request). */
export function newNonce(): string {
  return randomUUID();
}

export { PII_READ_SCOPE } from '@attestor/contracts';

export const contextHeaders = {
  claims: 'attestor-context',
  timestamp: 'attestor-timestamp',
  signature: 'attestor-signature',
  requestId: 'x-request-id',
} as const;

function sha256Hex(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

function signature(
  secret: string,
  timestamp: string,
  encodedClaims: string,
  body: string | Uint8Array,
): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}\n${encodedClaims}\n${sha256Hex(body)}`)
    .digest('hex');
}

export function encodeClaims(claims: UnsignedClaims): string {
  return Buffer.from(JSON.stringify({ ...claims, nonce: claims.nonce ?? newNonce() })).toString('base64url');
}

/** Gateway side: the headers that prove these (encoded) claims travel with exactly this body. */
export function signEncodedClaims(
  secret: string,
  encodedClaims: string,
  body: string | Uint8Array,
  now: number = Date.now(),
): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return {
    [contextHeaders.claims]: encodedClaims,
    [contextHeaders.timestamp]: timestamp,
    [contextHeaders.signature]: signature(secret, timestamp, encodedClaims, body),
  };
}

export function signClaims(
  secret: string,
  claims: UnsignedClaims,
  body: string | Uint8Array,
  now: number = Date.now(),
): Record<string, string> {
  return signEncodedClaims(secret, encodeClaims(claims), body, now);
}

const refuse = (message: string) => new AppError(ErrorCode.FORBIDDEN, message);

/** Subgraph side: the verified claims, or FORBIDDEN for anything unsigned, tampered with or stale. */
export function verifyClaims(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string | Uint8Array,
  maxAgeSeconds: number,
  now: number = Date.now(),
): Claims {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const encodedClaims = header(contextHeaders.claims);
  const timestamp = header(contextHeaders.timestamp);
  const given = header(contextHeaders.signature);
  if (!encodedClaims || !timestamp || !given) throw refuse('Request is not signed by the gateway');
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > maxAgeSeconds) {
    throw refuse('Request signature is stale');
  }
  const expected = Buffer.from(signature(secret, timestamp, encodedClaims, body), 'hex');
  const actual = Buffer.from(given, 'hex');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw refuse('Request signature does not match');
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(encodedClaims, 'base64url').toString('utf8'));
  } catch {
    throw refuse('Request context is malformed');
  }
  const parsed = claimsSchema.safeParse(decoded);
  if (!parsed.success) throw refuse('Request context is malformed');
  return parsed.data;
}

/**
 * Remembers the nonces of the signed requests a subgraph accepted while their signature is fresh, and
 * refuses a second request with the same nonce (a replay of a captured request). Per process: with
 * several replicas a replay could reach another one within the window, which the short window bounds.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private lastPrune = 0;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time a nonce is seen within the window. */
  admit(nonce: string): boolean {
    const now = this.now();
    if (now - this.lastPrune > this.windowMs / 4) this.prune(now);
    const expiry = this.seen.get(nonce);
    if (expiry !== undefined && expiry > now) return false;
    this.seen.set(nonce, now + this.windowMs);
    return true;
  }

  private prune(now: number): void {
    this.lastPrune = now;
    for (const [nonce, expiry] of this.seen) if (expiry <= now) this.seen.delete(nonce);
  }
}
