import type { Caller } from '@attestor/platform';

/** What a subgraph answered, kept as bytes: every request sharing the fetch parses its own copy. */
export interface SubgraphAnswer {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * In-flight deduplication of subgraph fetches (`GATEWAY_DEDUP`): while a query is on its way to a
 * subgraph, an identical one (same subgraph, query text, variables and caller) waits for that answer
 * instead of sending its own. An entry lives only while its request is in flight — nothing is cached
 * after the answer — and a failure (a transport error, an HTTP error, GraphQL errors) reaches every
 * waiter as it reached the first.
 */
export class SharedFetches {
  private readonly inFlight = new Map<string, Promise<SubgraphAnswer>>();

  /** The answer for `key`: the one in flight if there is one (`shared`), else `send()`'s. */
  run(
    key: string,
    send: () => Promise<SubgraphAnswer>,
  ): { answer: Promise<SubgraphAnswer>; shared: boolean } {
    const pending = this.inFlight.get(key);
    if (pending) return { answer: pending, shared: true };
    const answer = send().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, answer);
    return { answer, shared: false };
  }

  /** Fetches in flight that others may join. */
  get size(): number {
    return this.inFlight.size;
  }
}

/**
 * Who a subgraph request speaks for, as far as its answer can depend on it: the caller (account, key
 * and scopes, or session and inquiry) and the client address. Not the signed headers: their nonce and
 * timestamp differ on every request, and the request id is the first request's.
 */
export function sharingIdentity(caller: Caller, ip: string | null): string {
  return JSON.stringify([caller, ip]);
}

/**
 * Only queries are shared: a mutation (or a subscription) has effects each caller asked for. The
 * gateway's fetch has its parsed document; the text decides only where it has none.
 */
export function isQueryFetch(operationKind: string | undefined, queryText: string): boolean {
  if (operationKind !== undefined) return operationKind === 'query';
  return /^\s*(query\b|\{)/.test(queryText);
}
