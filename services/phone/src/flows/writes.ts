import { retryOnConnectionLoss, type RequestContext } from '@attestor/platform';
import { transition, type TransitionCause, type VerificationStatus } from '../domain/verification.js';
import { publishVerificationEvent, type VerificationEvent } from '../events.js';
import type { PhoneVerificationRecord, SendOutcome } from '../store/entities.js';
import type { ClaimHandle } from './claims.js';
import type { FlowDeps } from './deps.js';

/** A change of status, through the lifecycle table, or none (a resend that keeps it PENDING). */
export interface Move {
  to: VerificationStatus;
  cause: TransitionCause;
}

export interface Effects {
  /** The event the change publishes, in the same transaction. */
  event?: VerificationEvent | null;
  /** A send to record (the first send and every resend, refused ones included). */
  sent?: { outcome: SendOutcome; channel: PhoneVerificationRecord['channel'] } | null;
}

/**
 * The two writes every flow ends with, each one short transaction with its events: creating a
 * verification (through the table, from nothing) and settling a claimed one (only while the claim
 * and the status it was read in still hold).
 */
export class VerificationWrites {
  constructor(private readonly deps: FlowDeps) {}

  /** Creates a verification; the start's claim on its inquiry is given back in the same transaction. */
  async create(
    ctx: RequestContext,
    record: PhoneVerificationRecord,
    cause: TransitionCause,
    effects: Effects,
    startClaim: ClaimHandle,
  ): Promise<PhoneVerificationRecord> {
    const created = { ...record, status: transition(null, record.status, cause) };
    // Nothing to read: the row, its first send, the claim given back and the event go as one statement.
    try {
      await this.deps.outbox.insertOnce(
        async (batch) => {
          batch.add(
            this.deps.store.insertStatement(created, {
              sent: effects.sent ? { outcome: effects.sent.outcome, at: this.deps.clock.now() } : null,
              releaseStartClaim: startClaim.token,
            }),
          );
          if (effects.event) {
            await publishVerificationEvent(
              { publish: async (type, fields) => batch.publish(type, fields) },
              effects.event,
              created,
            );
          }
        },
        { requestId: ctx.requestId },
      );
    } catch (error) {
      throw this.deps.store.whyInsertFailed(error);
    }
    startClaim.settled = true;
    return created;
  }

  /**
   * Writes `changes` (and `move`) to a claimed verification; the record as written, or null when the
   * claim was lost meanwhile (its lease ran out and another request acted): nothing is written then.
   */
  async settle(
    ctx: RequestContext,
    before: PhoneVerificationRecord,
    claim: ClaimHandle,
    changes: Partial<PhoneVerificationRecord>,
    move: Move | null,
    effects: Effects = {},
  ): Promise<PhoneVerificationRecord | null> {
    const after: PhoneVerificationRecord = {
      ...before,
      ...changes,
      status: move === null ? before.status : transition(before.status, move.to, move.cause),
    };
    if (move?.to === 'APPROVED') after.approvedAt = this.deps.clock.now();
    // A settle records what Twilio has just done (approved a code, sent one): lost to a database blip,
    // the code would be gone at Twilio and the next check would find the verification EXPIRED. The
    // write holds only while the claim does, so a second run after a commit whose answer was lost
    // writes nothing (and the caller reads what the first one wrote).
    const written = await retryOnConnectionLoss(
      () =>
        this.deps.outbox.transaction(
          async (tx) => {
            const held = await this.deps.store.settle(tx.manager, after, {
              token: claim.token,
              from: before.status,
            });
            if (!held) return false;
            await this.record(tx.manager, after, effects);
            if (effects.event) await publishVerificationEvent(tx, effects.event, after);
            return true;
          },
          { requestId: ctx.requestId },
        ),
      {
        onRetry: (error, run) =>
          ctx.logger.warn(
            { err: error, verificationId: before.id, run },
            'database connection lost; settling again',
          ),
      },
    );
    if (!written) return null;
    claim.settled = true;
    return after;
  }

  /** Records a send that changed nothing else (a refused resend), giving the claim back with it. */
  async refusedSend(
    ctx: RequestContext,
    record: PhoneVerificationRecord,
    claim: ClaimHandle,
    sent: NonNullable<Effects['sent']>,
  ): Promise<void> {
    await this.deps.outbox.transaction(
      async (tx) => {
        await this.record(tx.manager, record, { sent });
        await this.deps.store.release(tx.manager, record.accountId, record.id, claim.token);
      },
      { requestId: ctx.requestId },
    );
    claim.settled = true;
  }

  private async record(
    manager: Parameters<FlowDeps['store']['recordSendAttempt']>[0],
    record: PhoneVerificationRecord,
    effects: Effects,
  ): Promise<void> {
    if (!effects.sent) return;
    await this.deps.store.recordSendAttempt(manager, {
      accountId: record.accountId,
      verificationId: record.id,
      channel: effects.sent.channel,
      outcome: effects.sent.outcome,
      at: this.deps.clock.now(),
    });
  }
}
