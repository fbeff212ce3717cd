import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request id of the work in progress — a GraphQL request, an event being handled, an rpc being
 * answered — so the logger, the outbox and outgoing asks carry it without each caller passing it on.
 * This is how one id travels gateway → subgraph → event → the next service.
 */
const scope = new AsyncLocalStorage<{ requestId: string }>();

export function withRequestId<T>(requestId: string | null | undefined, work: () => T): T {
  return requestId ? scope.run({ requestId }, work) : work();
}

export function currentRequestId(): string | null {
  return scope.getStore()?.requestId ?? null;
}

/**
 * Marks work running inside a database transaction (the outbox's), so a network call made from inside
 * one — an rpc ask — is refused: a transaction held across a network call holds a pooled connection
 * and its locks for as long as the other side takes.
 */
const transactionScope = new AsyncLocalStorage<true>();

export function withinTransaction<T>(work: () => T): T {
  return transactionScope.run(true, work);
}

export function inTransaction(): boolean {
  return transactionScope.getStore() === true;
}
