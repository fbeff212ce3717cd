import type { Logger } from 'pino';
import {
  inquiryTransitionEvent,
  isUuid,
  type EventInput,
  type EventType,
  type InquiryStatus,
  type NameMatchResult,
  type VerificationStep,
} from '@attestor/contracts';
import { badInput, type InsertBatch, type Transaction } from '@attestor/platform';
import {
  isLegalTransition,
  isUnfinished,
  soleSourceOf,
  timestampOf,
  transitionsAfterStep,
  type TargetStatus,
  type TransitionCause,
} from '../domain/lifecycle.js';
import type { Inquiry, InquiryEventRow } from '../store/entities.js';
import type { InquiryStores } from '../store/index.js';

export interface StatusChange {
  to: TargetStatus;
  cause: TransitionCause;
  reason: string;
  comment?: string | null;
}

/** A change the lifecycle table does not allow from the inquiry's current status. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly from: InquiryStatus,
    readonly to: InquiryStatus,
    readonly transitionCause: TransitionCause,
  ) {
    super(`An inquiry cannot go from ${from} to ${to} (${transitionCause})`);
    this.name = 'IllegalTransitionError';
  }
}

/** Whose history an event joins, and when. */
type RecordTarget = { accountId: string; inquiryId: string; at: Date };
/** The status change a history row records. */
type RecordHistory = Pick<InquiryEventRow, 'fromStatus' | 'toStatus' | 'reason'> & {
  comment?: string | null;
};

export interface StepResult {
  step: VerificationStep;
  identity?: { status: 'COMPLETED' | 'FAILED'; nameMatch: NameMatchResult | null };
}

/**
 * Applies the lifecycle table (domain/lifecycle.ts) to stored inquiries, inside the caller's
 * transaction: each status change updates the row guarded by the status it was read with, appends an
 * inquiry event and publishes `inquiry.<event>`, all or nothing.
 */
export class Lifecycle {
  constructor(private readonly stores: Pick<InquiryStores, 'inquiries' | 'templates'>) {}

  /** Reads an inquiry of the account and locks its row until the transaction ends. */
  lock(tx: Transaction, accountId: string, id: string): Promise<Inquiry | null> {
    // Ids from events and requests are not trusted to be uuids; a malformed one is simply unknown.
    if (!isUuid(id) || !isUuid(accountId)) return Promise.resolve(null);
    return this.stores.inquiries.lock(tx.manager, accountId, id);
  }

  /**
   * Publishes an inquiry event and appends it to the inquiry's history (`Inquiry.events`) in the
   * caller's transaction: the history row carries the event's id, so the two never disagree.
   */
  async record<T extends EventType>(
    tx: Transaction,
    type: T,
    target: RecordTarget,
    history: RecordHistory,
    data: EventInput<T>,
  ): Promise<void> {
    const event = await tx.publish(type, { accountId: target.accountId, subjectId: target.inquiryId, data });
    await this.stores.inquiries.insertEvent(tx.manager, historyRow(event, target, history));
  }

  /** record, in a write sent as one statement (Outbox.insertOnce). */
  recordIn<T extends EventType>(
    batch: InsertBatch,
    type: T,
    target: RecordTarget,
    history: RecordHistory,
    data: EventInput<T>,
  ): void {
    const event = batch.publish(type, { accountId: target.accountId, subjectId: target.inquiryId, data });
    batch.add(this.stores.inquiries.insertEventStatement(historyRow(event, target, history)));
  }

  /** One status change: the row, an inquiry event and the published event commit together. */
  async apply(tx: Transaction, inquiry: Inquiry, change: StatusChange, at: Date): Promise<Inquiry> {
    const from = inquiry.status;
    if (!isLegalTransition(from, change.to, change.cause))
      throw new IllegalTransitionError(from, change.to, change.cause);
    const patch = patchOf(change, at);
    if (!(await this.stores.inquiries.updateFrom(tx.manager, inquiry.id, from, patch)))
      throw new Error(`inquiry ${inquiry.id} changed while it was being moved to ${change.to}`);
    await this.recordMove(tx, inquiry, from, change, at);
    return { ...inquiry, ...patch };
  }

  /**
   * A change that is legal from one status only, in one statement: the row moves if it is in that
   * status (under its row lock), and the inquiry as moved is answered; null when it is not there or
   * not in that status (nothing written).
   */
  private async moveFromSoleSource(
    tx: Transaction,
    accountId: string,
    inquiryId: string,
    change: StatusChange,
    at: Date,
  ): Promise<Inquiry | null> {
    const from = soleSourceOf(change.to, change.cause);
    if (from === null || !isUuid(inquiryId) || !isUuid(accountId)) return null;
    const moved = await this.stores.inquiries.moveFrom(
      tx.manager,
      accountId,
      inquiryId,
      from,
      patchOf(change, at),
    );
    if (moved) await this.recordMove(tx, moved, from, change, at);
    return moved;
  }

  /** The history row and the published event of a move from `from`. */
  private async recordMove(
    tx: Transaction,
    inquiry: Inquiry,
    from: InquiryStatus,
    change: StatusChange,
    at: Date,
  ): Promise<void> {
    const history = {
      fromStatus: from,
      toStatus: change.to,
      reason: change.reason,
      comment: change.comment ?? null,
    };
    await this.record(
      tx,
      inquiryTransitionEvent[change.to],
      { accountId: inquiry.accountId, inquiryId: inquiry.id, at },
      history,
      history,
    );
  }

  /** From the API: an illegal change is the caller's mistake, answered BAD_USER_INPUT naming both statuses. */
  async onRequest(tx: Transaction, inquiry: Inquiry, change: StatusChange, at: Date): Promise<Inquiry> {
    try {
      return await this.apply(tx, inquiry, change, at);
    } catch (error) {
      if (error instanceof IllegalTransitionError) {
        throw badInput(`The inquiry is ${error.from} and cannot become ${error.to}`);
      }
      throw error;
    }
  }

  /**
   * From an event: an illegal change means the event came late (an approval after expiry, a second
   * failure), which is normal in a distributed flow: logged and ignored, so the event is not retried.
   */
  async onEvent(
    tx: Transaction,
    inquiry: Inquiry,
    change: StatusChange,
    at: Date,
    logger: Logger,
  ): Promise<Inquiry> {
    try {
      return await this.apply(tx, inquiry, change, at);
    } catch (error) {
      if (!(error instanceof IllegalTransitionError)) throw error;
      logger.info(
        { inquiryId: inquiry.id, from: error.from, to: error.to, cause: error.transitionCause },
        'late event ignored: the inquiry has moved on',
      );
      return inquiry;
    }
  }

  /**
   * Records a finished step; when it was the last one, completes the inquiry and applies the
   * template's decision rule in the same transaction (two transitions, two events).
   */
  async recordStep(
    tx: Transaction,
    accountId: string,
    inquiryId: string,
    result: StepResult,
    at: Date,
    logger: Logger,
  ): Promise<void> {
    const inquiry = await this.lock(tx, accountId, inquiryId);
    if (!inquiry) {
      logger.warn({ inquiryId, step: result.step }, 'step result for an unknown inquiry ignored');
      return;
    }
    if (!isUnfinished(inquiry.status)) {
      logger.info({ inquiryId, step: result.step, status: inquiry.status }, 'late step result ignored');
      return;
    }
    const stepsDone = { ...inquiry.stepsDone, [result.step]: at.toISOString() };
    const patch: Partial<Inquiry> = {
      stepsDone,
      updatedAt: at,
      ...(result.identity
        ? { identityStatus: result.identity.status, nameMatch: result.identity.nameMatch }
        : {}),
    };
    await this.stores.inquiries.update(tx.manager, inquiry.id, patch);
    await this.advanceIfStepsDone(tx, { ...inquiry, ...patch }, at, logger);
  }

  /** Moves the inquiry on an event (started, failed): unknown inquiries and late events are logged, not retried. */
  async byEvent(
    tx: Transaction,
    accountId: string,
    inquiryId: string,
    change: StatusChange,
    at: Date,
    logger: Logger,
  ): Promise<void> {
    // The usual case in one statement; anything else (unknown inquiry, a late event) is read first.
    const direct = await this.moveFromSoleSource(tx, accountId, inquiryId, change, at);
    if (direct) {
      if (direct.status === 'PENDING') await this.advanceIfStepsDone(tx, direct, at, logger);
      return;
    }
    const inquiry = await this.lock(tx, accountId, inquiryId);
    if (!inquiry) {
      logger.warn({ inquiryId, to: change.to }, 'event for an unknown inquiry ignored');
      return;
    }
    const moved = await this.onEvent(tx, inquiry, change, at, logger);
    if (moved.status === 'PENDING') await this.advanceIfStepsDone(tx, moved, at, logger);
  }

  /**
   * Completion and decision, when the inquiry is PENDING with every step of its template done. Runs
   * after a step result and after the start too: a retried `started` event can arrive after the step
   * results.
   */
  private async advanceIfStepsDone(
    tx: Transaction,
    inquiry: Inquiry,
    at: Date,
    logger: Logger,
  ): Promise<Inquiry> {
    const template = await this.stores.templates.ofInquiry(tx.manager, inquiry.templateId);
    const progress = {
      done: Object.keys(inquiry.stepsDone) as VerificationStep[],
      identity: inquiry.identityStatus
        ? { status: inquiry.identityStatus, nameMatch: inquiry.nameMatch }
        : null,
    };
    let current = inquiry;
    for (const next of transitionsAfterStep(current.status, template, progress)) {
      current = await this.onEvent(tx, current, next, at, logger);
    }
    return current;
  }
}

/** The columns a move writes: the status, when, and the stamp of the status reached (startedAt…). */
function patchOf(change: StatusChange, at: Date): Partial<Inquiry> {
  const stamp = timestampOf(change.to);
  return { status: change.to, updatedAt: at, ...(stamp ? { [stamp]: at } : {}) };
}

/** The history row of a published inquiry event: it carries the event's id. */
function historyRow(
  event: { id: string; type: string },
  target: RecordTarget,
  history: RecordHistory,
): InquiryEventRow {
  return {
    id: event.id,
    inquiryId: target.inquiryId,
    accountId: target.accountId,
    type: event.type,
    fromStatus: history.fromStatus,
    toStatus: history.toStatus,
    reason: history.reason,
    comment: history.comment ?? null,
    at: target.at,
  };
}
