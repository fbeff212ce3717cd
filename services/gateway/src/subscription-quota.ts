import type { Caller } from '@attestor/platform';

export interface QuotaLimits {
  /** Open subscriptions one WebSocket may hold. */
  perSocket: number;
  /** Open subscriptions the API keys of one account may hold on this gateway. */
  perAccount: number;
  /** Open subscriptions one session token's inquiry may hold on this gateway (the hosted flow's tabs). */
  perSession: number;
}

export type QuotaRefusal = { scope: 'socket' | 'account' | 'session'; limit: number };

/**
 * How many subscriptions are open, per socket and per credential, on this gateway instance. The rate
 * limit bounds how fast a caller may subscribe, not how many subscriptions pile up: without a quota,
 * 100 subscribes a second for an hour would hold 360,000 NATS subscriptions. A session token counts
 * under its inquiry, apart from its account's API keys, so an end user cannot use up the partner's.
 */
export class SubscriptionQuota {
  private readonly bySocket = new WeakMap<object, number>();
  private readonly byCredential = new Map<string, number>();
  /** Open subscriptions on this gateway, all callers together (the metric and `activeSubscriptions`). */
  get held(): number {
    return this.open;
  }
  private open = 0;

  constructor(private readonly limits: QuotaLimits) {}

  /** Takes a place for one subscription: the release to call when it ends, or why there is none. */
  take(socket: object, caller: Caller): { release: () => void } | QuotaRefusal {
    const { key, scope, limit } = this.credentialOf(caller);
    const onSocket = this.bySocket.get(socket) ?? 0;
    if (onSocket >= this.limits.perSocket) return { scope: 'socket', limit: this.limits.perSocket };
    const ofCredential = this.byCredential.get(key) ?? 0;
    if (ofCredential >= limit) return { scope, limit };
    this.bySocket.set(socket, onSocket + 1);
    this.byCredential.set(key, ofCredential + 1);
    this.open += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.open -= 1;
        this.bySocket.set(socket, (this.bySocket.get(socket) ?? 1) - 1);
        const left = (this.byCredential.get(key) ?? 1) - 1;
        if (left > 0) this.byCredential.set(key, left);
        else this.byCredential.delete(key);
      },
    };
  }

  private credentialOf(caller: Caller): { key: string; scope: QuotaRefusal['scope']; limit: number } {
    switch (caller.kind) {
      case 'session':
        return { key: `session:${caller.inquiryId}`, scope: 'session', limit: this.limits.perSession };
      case 'partner':
        return { key: `account:${caller.accountId}`, scope: 'account', limit: this.limits.perAccount };
      default:
        return { key: 'admin', scope: 'account', limit: this.limits.perAccount };
    }
  }
}

export function quotaMessage(refusal: QuotaRefusal): string {
  const holder = {
    socket: 'this socket',
    account: "this account's API keys on this gateway",
    session: 'this session token on this gateway',
  }[refusal.scope];
  return `Too many open subscriptions: ${holder} may hold ${refusal.limit}; complete one first`;
}
