import type { EntityManager } from 'typeorm';
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
import { badInput, type Transaction } from '@attestor/platform';
import {
  isLegalTransition,
  isUnfinished,
  timestampOf,
  transitionsAfterStep,
  type TargetStatus,
  type TransitionCause,
} from './domain/lifecycle.js';
import {
  InquiryEntity,
  InquiryEventEntity,
  TemplateEntity,
  type Inquiry,
  type InquiryEventRow,
} from './store/entities.js';

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

/** Reads an inquiry of the account and locks its row until the transaction ends. */
export async function lockInquiry(
  manager: EntityManager,
  accountId: string,
  id: string,
): Promise<Inquiry | null> {
  // Ids from events and requests are not trusted to be uuids; a malformed one is simply unknown.
  if (!isUuid(id) || !isUuid(accountId)) return null;
  return manager
    .getRepository(InquiryEntity)
    .findOne({ where: { id, accountId }, lock: { mode: 'pessimistic_write' } });
}

/**
 * Publishes an inquiry event and appends it to the inquiry's history (`Inquiry.events`) in the caller's
 * transaction: the history row carries the event's id, so the two never disagree.
 */
export async function recordInquiryEvent<T extends EventType>(
  tx: Transaction,
  type: T,
  target: { accountId: string; inquiryId: string; at: Date },
  history: Pick<InquiryEventRow, 'fromStatus' | 'toStatus' | 'reason'> & { comment?: string | null },
  data: EventInput<T>,
): Promise<void> {
  const event = await tx.publish(type, { accountId: target.accountId, subjectId: target.inquiryId, data });
  await tx.manager.getRepository(InquiryEventEntity).insert({
    id: event.id,
    inquiryId: target.inquiryId,
    accountId: target.accountId,
    type: event.type,
    fromStatus: history.fromStatus,
    toStatus: history.toStatus,
    reason: history.reason,
    comment: history.comment ?? null,
    at: target.at,
  });
}

/**
 * One status change in the caller's transaction: the row (guarded by the status it was read with),
 * an inquiry event and the published `inquiry.<event>` commit together or not at all.
 */
export async function applyTransition(
  tx: Transaction,
  inquiry: Inquiry,
  change: StatusChange,
  at: Date,
): Promise<Inquiry> {
  const from = inquiry.status;
  if (!isLegalTransition(from, change.to, change.cause))
    throw new IllegalTransitionError(from, change.to, change.cause);
  const stamp = timestampOf(change.to);
  const patch: Partial<Inquiry> = { status: change.to, updatedAt: at, ...(stamp ? { [stamp]: at } : {}) };
  const result = await tx.manager
    .getRepository(InquiryEntity)
    .update({ id: inquiry.id, status: from }, patch);
  if (result.affected !== 1)
    throw new Error(`inquiry ${inquiry.id} changed while it was being moved to ${change.to}`);
  const history = {
    fromStatus: from,
    toStatus: change.to,
    reason: change.reason,
    comment: change.comment ?? null,
  };
  await recordInquiryEvent(
    tx,
    inquiryTransitionEvent[change.to],
    { accountId: inquiry.accountId, inquiryId: inquiry.id, at },
    history,
    history,
  );
  return { ...inquiry, ...patch };
}

/** From the API: an illegal change is the caller's mistake, answered BAD_USER_INPUT naming both statuses. */
export async function transitionOnRequest(
  tx: Transaction,
  inquiry: Inquiry,
  change: StatusChange,
  at: Date,
): Promise<Inquiry> {
  try {
    return await applyTransition(tx, inquiry, change, at);
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
export async function transitionOnEvent(
  tx: Transaction,
  inquiry: Inquiry,
  change: StatusChange,
  at: Date,
  logger: Logger,
): Promise<Inquiry> {
  try {
    return await applyTransition(tx, inquiry, change, at);
  } catch (error) {
    if (!(error instanceof IllegalTransitionError)) throw error;
    logger.info(
      { inquiryId: inquiry.id, from: error.from, to: error.to, cause: error.transitionCause },
      'late event ignored: the inquiry has moved on',
    );
    return inquiry;
  }
}

export interface StepResult {
  step: VerificationStep;
  identity?: { status: 'COMPLETED' | 'FAILED'; nameMatch: NameMatchResult | null };
}

/**
 * Records a finished step; when it was the last one, completes the inquiry and applies the template's
 * decision rule in the same transaction (two transitions, two events).
 */
export async function recordStep(
  tx: Transaction,
  accountId: string,
  inquiryId: string,
  result: StepResult,
  at: Date,
  logger: Logger,
): Promise<void> {
  const inquiry = await lockInquiry(tx.manager, accountId, inquiryId);
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
  await tx.manager.getRepository(InquiryEntity).update({ id: inquiry.id }, patch);
  await advanceIfStepsDone(tx, { ...inquiry, ...patch }, at, logger);
}

/**
 * Completion and decision, when the inquiry is PENDING with every step of its template done. Runs after
 * a step result and after the start too: a retried `started` event can arrive after the step results.
 */
async function advanceIfStepsDone(
  tx: Transaction,
  inquiry: Inquiry,
  at: Date,
  logger: Logger,
): Promise<Inquiry> {
  const template = await tx.manager.getRepository(TemplateEntity).findOneByOrFail({ id: inquiry.templateId });
  const progress = {
    done: Object.keys(inquiry.stepsDone) as VerificationStep[],
    identity: inquiry.identityStatus
      ? { status: inquiry.identityStatus, nameMatch: inquiry.nameMatch }
      : null,
  };
  let current = inquiry;
  for (const next of transitionsAfterStep(current.status, template, progress)) {
    current = await transitionOnEvent(tx, current, next, at, logger);
  }
  return current;
}

/** Moves the inquiry on an event (started, failed): unknown inquiries and late events are logged, not retried. */
export async function transitionByEvent(
  tx: Transaction,
  accountId: string,
  inquiryId: string,
  change: StatusChange,
  at: Date,
  logger: Logger,
): Promise<void> {
  const inquiry = await lockInquiry(tx.manager, accountId, inquiryId);
  if (!inquiry) {
    logger.warn({ inquiryId, to: change.to }, 'event for an unknown inquiry ignored');
    return;
  }
  const moved = await transitionOnEvent(tx, inquiry, change, at, logger);
  if (moved.status === 'PENDING') await advanceIfStepsDone(tx, moved, at, logger);
}
