import type { Caller, Logger } from '@attestor/platform';
import type { HoldStore } from './subscription-holds.js';

export interface QuotaLimits {
  /** Open subscriptions one WebSocket may hold. */
  perSocket: number;
  /** Open subscriptions the API keys of one account may hold (on this gateway, or on all with a store). */
  perAccount: number;
  /** Open subscriptions one session token's inquiry may hold (the hosted flow's tabs); counted the same. */
  perSession: number;
}

export type QuotaRefusal = { scope: 'socket' | 'account' | 'session'; limit: number };

/**
 * How many subscriptions are open, per socket and per credential. The rate limit bounds how fast a
 * caller may subscribe, not how many subscriptions pile up: without a quota, 100 subscribes a second
 * for an hour would hold 360,000 NATS subscriptions. A session token counts under its inquiry, apart
 * from its account's API keys, so an end user cannot use up the partner's. A socket lives on one
 * gateway and is counted here; a credential's count is this instance's alone, or — with a hold store
 * (subscription-holds.ts) — every gateway's together. Should the store fail, this instance's count
 * decides, as the rate limit does.
 */
export class SubscriptionQuota {
  private readonly bySocket = new WeakMap<object, number>();
  private readonly byCredential = new Map<string, number>();
  /** Open subscriptions on this gateway, all callers together (the metric and `activeSubscriptions`). */
  get held(): number {
    return this.open;
  }
  private open = 0;
  private store: HoldStore | undefined;

  constructor(
    private readonly limits: QuotaLimits,
    private readonly logger?: Logger,
  ) {}

  /** Count credentials with every gateway from now on; `counts` is what the store's heartbeat writes. */
  share(makeStore: (counts: ReadonlyMap<string, number>) => HoldStore): void {
    this.store = makeStore(this.byCredential);
  }

  /** Takes a place for one subscription: the release to call when it ends, or why there is none. */
  async take(socket: object, caller: Caller): Promise<{ release: () => void } | QuotaRefusal> {
    const { key, scope, limit } = credentialOf(caller, this.limits);
    const onSocket = this.bySocket.get(socket) ?? 0;
    if (onSocket >= this.limits.perSocket) return { scope: 'socket', limit: this.limits.perSocket };
    const ofCredential = this.byCredential.get(key) ?? 0;
    if (ofCredential >= limit) return { scope, limit };
    // Held here at once, so a concurrent take on this instance counts it.
    this.bySocket.set(socket, onSocket + 1);
    this.byCredential.set(key, ofCredential + 1);
    this.open += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.open -= 1;
      this.bySocket.set(socket, (this.bySocket.get(socket) ?? 1) - 1);
      takeOne(this.byCredential, key);
      this.store
        ?.write(key, () => this.byCredential.get(key) ?? 0)
        .catch((error: unknown) => {
          this.logger?.warn({ err: error }, 'subscription hold not released in the shared store');
        });
    };
    if (this.store) {
      let allowed = true;
      try {
        allowed = await this.store.reserve(key, limit, () => this.byCredential.get(key) ?? 0);
      } catch (error) {
        this.logger?.warn({ err: error }, 'subscription holds store failed: this gateway counts on its own');
      }
      if (!allowed) {
        release();
        return { scope, limit };
      }
    }
    return { release };
  }

  /** Gives back this instance's holds in the shared store (the sockets are closed by then). */
  async close(): Promise<void> {
    await this.store?.close();
  }
}

/** One fewer held under `key`; a key that holds none leaves the map (what the heartbeat writes). */
function takeOne(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}

/** Whose quota a caller draws on: its session's inquiry, or its account's API keys (admin: one key). */
function credentialOf(
  caller: Caller,
  limits: { perAccount: number; perSession: number },
): { key: string; scope: 'account' | 'session'; limit: number } {
  switch (caller.kind) {
    case 'session':
      return { key: `session:${caller.inquiryId}`, scope: 'session', limit: limits.perSession };
    case 'partner':
      return { key: `account:${caller.accountId}`, scope: 'account', limit: limits.perAccount };
    default:
      return { key: 'admin', scope: 'account', limit: limits.perAccount };
  }
}

/**
 * Open WebSockets per credential on this gateway instance: what a socket costs (memory, a file
 * descriptor, a re-check of its credentials before each message) is this instance's, so an account's
 * API keys, or one session token, can hold only so many here however fast they connect.
 */
export class SocketQuota {
  private readonly byCredential = new Map<string, number>();

  constructor(private readonly limits: { perAccount: number; perSession: number }) {}

  /** Takes a place for one socket: the release to call when it closes, or the refusal. */
  take(caller: Caller): { release: () => void } | { scope: 'account' | 'session'; limit: number } {
    const { key, scope, limit } = credentialOf(caller, this.limits);
    const held = this.byCredential.get(key) ?? 0;
    if (held >= limit) return { scope, limit };
    this.byCredential.set(key, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        takeOne(this.byCredential, key);
      },
    };
  }
}

export function quotaMessage(refusal: QuotaRefusal): string {
  const holder = {
    socket: 'this socket',
    account: "this account's API keys",
    session: 'this session token',
  }[refusal.scope];
  return `Too many open subscriptions: ${holder} may hold ${refusal.limit}; complete one first`;
}
