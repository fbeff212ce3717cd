import type { ExecutionResult } from 'graphql';

/**
 * A pull-based stream of results for graphql-ws: results are pushed as events arrive and pulled by
 * the socket; `return()` (the client completes, the socket closes) frees it at once through `onClose`.
 */
export class ResultStream implements AsyncIterableIterator<ExecutionResult> {
  private readonly buffer: ExecutionResult[] = [];
  private waiting: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
  private ending = false;
  private closed = false;

  constructor(private readonly onClose: () => void) {}

  get isClosed(): boolean {
    return this.closed || this.ending;
  }

  push(result: ExecutionResult): void {
    if (this.isClosed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: result, done: false });
    } else this.buffer.push(result);
  }

  /** No more results after those buffered. */
  end(): void {
    this.ending = true;
    if (this.buffer.length === 0) this.close();
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const value = this.buffer.shift();
    if (value) {
      if (this.ending && this.buffer.length === 0) this.close();
      return Promise.resolve({ value, done: false });
    }
    if (this.closed || this.ending) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    this.onClose();
  }
}
