import { randomUUID } from 'node:crypto';
import { AppError, ErrorCode, type Clock, type ReadScope } from '@attestor/platform';
import type { VerificationStatus } from '../domain/verification.js';
import type { PhoneVerificationRecord } from '../store/entities.js';
import type { PhoneVerificationStore } from '../store/verifications.js';

/** The claim a flow holds while it talks to Twilio; `settled` once a settle gave it back. */
export interface ClaimHandle {
  readonly token: string;
  settled: boolean;
}

const busy = () =>
  new AppError(ErrorCode.PROVIDER_ERROR, 'The phone verification is busy with another request, try again');

/**
 * Who may talk to Twilio about a verification (or start one for an inquiry) right now. A claim is a
 * token and a lease written in one statement — never a transaction held open — so the Twilio call
 * runs with no connection and no lock held. A request that finds the claim taken waits for it: woken
 * at once by a release in this process, polling (5 ms doubling to 100 ms) for one in another; a lease
 * left by a crashed process runs out after `leaseMs`.
 */
export class Claims {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly store: PhoneVerificationStore,
    private readonly clock: Clock,
    readonly leaseMs: number,
  ) {}

  /**
   * Runs `work` holding the claim on a verification in one of `statuses`. When it is in another status
   * (or unknown to the caller), `otherwise` answers with what it is now.
   */
  async verification<R>(
    scope: ReadScope,
    id: string,
    statuses: readonly VerificationStatus[],
    work: (record: PhoneVerificationRecord, claim: ClaimHandle) => Promise<R>,
    otherwise: (current: PhoneVerificationRecord | null) => R | Promise<R>,
  ): Promise<R> {
    const { store } = this;
    const key = `verification:${id}`;
    // How long this request waits is real time (a test moving the service's clock must not cut it short).
    const deadline = Date.now() + this.leaseMs + 1000;
    for (let round = 0; ; round += 1) {
      const claim: ClaimHandle = { token: randomUUID(), settled: false };
      const now = this.clock.now();
      const until = new Date(now.getTime() + this.leaseMs);
      const record = await store.claim(store.reader, scope, id, { token: claim.token, until, now, statuses });
      if (record !== null) {
        try {
          return await work(record, claim);
        } finally {
          if (!claim.settled) await store.release(store.reader, record.accountId, id, claim.token);
          this.wake(key);
        }
      }
      const current = await store.find(store.reader, scope, id);
      if (current === null || !statuses.includes(current.status)) return otherwise(current);
      if (Date.now() > deadline) throw busy();
      await this.wait(key, Math.min(100, 5 * 2 ** round));
    }
  }

  /**
   * Runs `work` as the one start in progress for an inquiry. `work` may give the claim back itself,
   * inside the transaction that creates the verification (one round trip fewer), and mark it settled.
   */
  async inquiry<R>(
    accountId: string,
    inquiryId: string,
    work: (claim: ClaimHandle) => Promise<R>,
  ): Promise<R> {
    const { store } = this;
    const key = `inquiry:${accountId}:${inquiryId}`;
    const deadline = Date.now() + this.leaseMs + 1000;
    for (let round = 0; ; round += 1) {
      const claim: ClaimHandle = { token: randomUUID(), settled: false };
      const now = this.clock.now();
      const until = new Date(now.getTime() + this.leaseMs);
      if (await store.claimInquiry(store.reader, { accountId, inquiryId, token: claim.token, until, now })) {
        try {
          return await work(claim);
        } finally {
          if (!claim.settled) await store.releaseInquiry(store.reader, accountId, inquiryId, claim.token);
          this.wake(key);
        }
      }
      if (Date.now() > deadline) throw busy();
      await this.wait(key, Math.min(100, 5 * 2 ** round));
    }
  }

  private wait(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.waiters.get(key) ?? new Set();
      this.waiters.set(key, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiters.get(key) === waiters) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  private wake(key: string): void {
    for (const done of [...(this.waiters.get(key) ?? [])]) done();
  }
}
