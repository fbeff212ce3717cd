import { timingSafeEqual } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import type { Subscription } from 'nats';
import { eventFilter, rpcSubjects } from '@attestor/contracts';
import {
  apiKeyHash,
  RecentMap,
  request,
  unauthenticated,
  verifySessionToken,
  type Caller,
  type Logger,
  type NatsBus,
} from '@attestor/platform';
import type { GatewayContext } from './context.js';

interface CachedCredential {
  caller: Extract<Caller, { kind: 'partner' }> | null;
  expiresAt: number;
}

const MAX_CACHED_KEYS = 10_000;
/** Unknown keys are remembered briefly too, so guessing keys cannot hammer the inquiry service. */
const NEGATIVE_TTL_MS = 5_000;

export interface AuthenticatorOptions {
  adminToken: string;
  contextSecret: string;
  keyCacheTtlMs: number;
  rpcTimeoutMs: number;
}

/**
 * Turns a bearer credential into the caller the subgraphs will trust: the admin token, a session token
 * (self-contained, checked here without any lookup) or an API key (resolved by the inquiry service over
 * NATS, then cached for `keyCacheTtlMs`; a revocation event evicts it at once).
 */
export class Authenticator {
  private readonly cache = new RecentMap<string, CachedCredential>(MAX_CACHED_KEYS);
  private readonly pending = new Map<string, Promise<CachedCredential>>();
  private revocations: Subscription | undefined;

  constructor(
    private readonly bus: NatsBus,
    private readonly options: AuthenticatorOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * Listens for `inquiry.api-key.revoked` so a revoked key stops working before its cache entry ages
   * out, and forgets every cached key when the NATS connection drops: revocations published while it
   * was away were missed, so each key is asked for again once NATS is back.
   */
  start(): void {
    this.revocations = this.bus.connection.subscribe(
      eventFilter(this.bus.namespace, 'inquiry.api-key.revoked'),
      {
        callback: (error, message) => {
          if (error) return;
          const keyId = message.subject.split('.').pop();
          if (keyId) this.forgetKey(keyId);
        },
      },
    );
    void (async () => {
      for await (const status of this.bus.connection.status()) {
        if (status.type === 'disconnect' || status.type === 'reconnect') {
          if (this.cache.size > 0)
            this.logger.warn(
              { nats: status.type },
              'API key cache dropped: revocations may have been missed',
            );
          this.cache.clear();
        }
      }
    })();
  }

  /** Evicts a revoked key at once (the gateway that served revokeApiKey does not wait for the event). */
  forgetKey(keyId: string): void {
    for (const [hash, entry] of this.cache) {
      if (entry.caller?.keyId === keyId) this.cache.delete(hash);
    }
  }

  stop(): void {
    this.revocations?.unsubscribe();
  }

  /** `Authorization` header value (or websocket connection param) → caller; throws UNAUTHENTICATED. */
  async authenticate(authorization: string | undefined, requestId: string): Promise<Caller> {
    const token = authorization?.replace(/^Bearer\s+/i, '').trim();
    if (!token) throw unauthenticated('Send credentials: Authorization: Bearer <API key or session token>');
    if (token.startsWith('st_')) {
      const session = verifySessionToken(this.options.contextSecret, token);
      if (!session) throw unauthenticated('The session token is invalid or has expired');
      return { kind: 'session', accountId: session.accountId, inquiryId: session.inquiryId };
    }
    if (token.startsWith('sk_')) {
      const credential = await this.resolveKey(apiKeyHash(token), requestId);
      if (!credential.caller) throw unauthenticated('The API key is invalid or has been revoked');
      return credential.caller;
    }
    if (equal(token, this.options.adminToken)) return { kind: 'admin' };
    throw unauthenticated('The credentials are not recognised');
  }

  private async resolveKey(keyHash: string, requestId: string): Promise<CachedCredential> {
    const cached = this.cache.get(keyHash);
    if (cached && cached.expiresAt > Date.now()) return cached;
    const inFlight = this.pending.get(keyHash);
    if (inFlight) return inFlight;
    const lookup = request(
      this.bus,
      rpcSubjects.credentialsResolve,
      { keyHash },
      { timeoutMs: this.options.rpcTimeoutMs, requestId },
    )
      .then(({ credential }) => {
        const entry: CachedCredential = credential
          ? {
              caller: { kind: 'partner', ...credential },
              expiresAt: Date.now() + this.options.keyCacheTtlMs,
            }
          : { caller: null, expiresAt: Date.now() + Math.min(NEGATIVE_TTL_MS, this.options.keyCacheTtlMs) };
        this.cache.set(keyHash, entry);
        return entry;
      })
      .finally(() => this.pending.delete(keyHash));
    this.pending.set(keyHash, lookup);
    return lookup.catch((error: unknown) => {
      this.logger.error({ err: error, requestId }, 'API key lookup failed');
      throw error;
    });
  }
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Makes a revocation take effect on the gateway that served it the moment `revokeApiKey` answers,
 * without waiting for the `inquiry.api-key.revoked` event (which reaches every other gateway).
 */
export function revocationPlugin(authenticator: Authenticator): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const revoked: Array<{ responseKey: string; keyId: string }> = [];
      return {
        async didResolveOperation({ operation, request }) {
          if (operation?.operation !== 'mutation') return;
          for (const selection of operation.selectionSet.selections) {
            if (selection.kind !== Kind.FIELD || selection.name.value !== 'revokeApiKey') continue;
            const argument = selection.arguments?.find((a) => a.name.value === 'id')?.value;
            const keyId =
              argument?.kind === Kind.STRING
                ? argument.value
                : argument?.kind === Kind.VARIABLE
                  ? request.variables?.[argument.name.value]
                  : undefined;
            if (typeof keyId === 'string') {
              revoked.push({ responseKey: selection.alias?.value ?? selection.name.value, keyId });
            }
          }
        },
        async willSendResponse({ response }) {
          if (revoked.length === 0 || response.body.kind !== 'single') return;
          const failed = new Set((response.body.singleResult.errors ?? []).map((e) => e.path?.[0]));
          const data = response.body.singleResult.data ?? {};
          for (const { responseKey, keyId } of revoked) {
            if (!failed.has(responseKey) && data[responseKey]) authenticator.forgetKey(keyId);
          }
        },
      };
    },
  };
}
