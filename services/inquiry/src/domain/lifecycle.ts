import {
  inquiryStatuses,
  type InquiryStatus,
  type NameMatchResult,
  type NoNameDataDecision,
  type VerificationStep,
} from '@attestor/contracts';

/**
 * The inquiry lifecycle. Every status change names its cause, and the table below is the only place
 * that says which (from, to, cause) triples are legal; everything else is refused.
 */
export const transitionCauses = [
  /** The end user started the phone step (`phone.verification.started`). */
  'verification-started',
  /** Every step of the template is done. */
  'steps-completed',
  /** The template's decision rule, applied right after completion. */
  'decision-rule',
  /** A step failed for good (phone blocked, out of attempts, expired; fraud block). */
  'step-failed',
  /** `expiresAt` passed while the inquiry was unfinished (the sweeper). */
  'expired',
  /** The account's operator approved or declined (`approveInquiry` / `declineInquiry`). */
  'operator-decision',
] as const;
export type TransitionCause = (typeof transitionCauses)[number];

/** Statuses an inquiry can move to (CREATED is where it starts, never a target). */
export type TargetStatus = Exclude<InquiryStatus, 'CREATED'>;

type TransitionTable = {
  readonly [From in InquiryStatus]: { readonly [To in TargetStatus]?: readonly TransitionCause[] };
};

export const transitionTable: TransitionTable = {
  CREATED: {
    PENDING: ['verification-started'],
    FAILED: ['step-failed'],
    EXPIRED: ['expired'],
  },
  PENDING: {
    COMPLETED: ['steps-completed'],
    FAILED: ['step-failed'],
    EXPIRED: ['expired'],
  },
  COMPLETED: {
    APPROVED: ['decision-rule', 'operator-decision'],
    NEEDS_REVIEW: ['decision-rule'],
    DECLINED: ['decision-rule', 'operator-decision'],
  },
  NEEDS_REVIEW: {
    APPROVED: ['operator-decision'],
    DECLINED: ['operator-decision'],
  },
  FAILED: {
    APPROVED: ['operator-decision'],
    DECLINED: ['operator-decision'],
  },
  EXPIRED: {},
  APPROVED: {},
  DECLINED: {},
};

export function isLegalTransition(from: InquiryStatus, to: InquiryStatus, cause: TransitionCause): boolean {
  if (to === 'CREATED') return false;
  return transitionTable[from][to]?.includes(cause) ?? false;
}

/** `to|cause` → the statuses it is legal from, read off the table once. */
const sourcesOf = new Map<string, InquiryStatus[]>();
for (const from of inquiryStatuses) {
  for (const [to, causes] of Object.entries(transitionTable[from])) {
    for (const cause of causes)
      sourcesOf.set(`${to}|${cause}`, [...(sourcesOf.get(`${to}|${cause}`) ?? []), from]);
  }
}

/** The one status from which `to` is legal for `cause`, or null when there are several (or none). */
export function soleSourceOf(to: TargetStatus, cause: TransitionCause): InquiryStatus | null {
  const sources = sourcesOf.get(`${to}|${cause}`) ?? [];
  return sources.length === 1 ? sources[0]! : null;
}

/** Statuses in which the steps still run: step results count only here. */
export const unfinishedStatuses: readonly InquiryStatus[] = ['CREATED', 'PENDING'];

export function isUnfinished(status: InquiryStatus): boolean {
  return unfinishedStatuses.includes(status);
}

export const expirableStatuses: readonly InquiryStatus[] = inquiryStatuses.filter(
  (status) => transitionTable[status].EXPIRED?.includes('expired') ?? false,
);

/** Which timestamp a transition into `to` sets, if any. */
export function timestampOf(to: InquiryStatus): 'startedAt' | 'completedAt' | 'decidedAt' | null {
  switch (to) {
    case 'PENDING':
      return 'startedAt';
    case 'COMPLETED':
      return 'completedAt';
    case 'APPROVED':
    case 'DECLINED':
      return 'decidedAt';
    default:
      return null;
  }
}

// ----------------------------------------------------------------------------- steps and decision

/** What the inquiry has learned from the other services so far. */
export interface StepProgress {
  done: readonly VerificationStep[];
  /** The database check's outcome: FAILED means no record was found for the verified number. */
  identity: { status: 'COMPLETED' | 'FAILED'; nameMatch: NameMatchResult | null } | null;
}

export function allStepsDone(steps: readonly VerificationStep[], progress: StepProgress): boolean {
  return steps.every((step) => progress.done.includes(step));
}

const matchStrength: Record<NameMatchResult, number> = {
  // No data is no evidence either way: it never reaches a threshold (whenNoNameData decides instead).
  NO_DATA_AVAILABLE: -1,
  NO_MATCH: 0,
  PARTIAL_MATCH: 1,
  HIGH_PARTIAL_MATCH: 2,
  EXACT_MATCH: 3,
};

export function matchAtLeast(result: NameMatchResult, threshold: NameMatchResult): boolean {
  return matchStrength[result] >= matchStrength[threshold];
}

export type Decision = { status: 'APPROVED' | 'NEEDS_REVIEW' | 'DECLINED'; reason: string };

export interface DecisionRule {
  steps: readonly VerificationStep[];
  autoApproveAt: NameMatchResult;
  /** When the carrier holds no name for the number (REVIEW unless the template says otherwise). */
  whenNoNameData?: NoNameDataDecision;
}

const noNameDataStatus: Record<NoNameDataDecision, Decision['status']> = {
  APPROVE: 'APPROVED',
  REVIEW: 'NEEDS_REVIEW',
  DECLINE: 'DECLINED',
};

/**
 * The template's decision rule for a completed inquiry. Without the name-match step there is nothing
 * to weigh, so completion approves. With it: at or above `autoApproveAt` approves, NO_MATCH declines,
 * no name on record (NO_DATA_AVAILABLE) is what `whenNoNameData` says, anything weaker (or a failed
 * check) goes to a human.
 */
export function decide(template: DecisionRule, progress: StepProgress): Decision {
  if (!template.steps.includes('DATABASE_NAME_MATCH')) {
    return { status: 'APPROVED', reason: 'every step passed and the template has no name match' };
  }
  const identity = progress.identity;
  if (!identity || identity.status === 'FAILED') {
    return { status: 'NEEDS_REVIEW', reason: 'no database record for the verified number' };
  }
  if (identity.nameMatch === null) {
    return { status: 'NEEDS_REVIEW', reason: 'the database record holds no name to match' };
  }
  if (identity.nameMatch === 'NO_DATA_AVAILABLE') {
    const rule = template.whenNoNameData ?? 'REVIEW';
    return {
      status: noNameDataStatus[rule],
      reason: `the carrier holds no name for the number (NO_DATA_AVAILABLE): whenNoNameData ${rule}`,
    };
  }
  if (matchAtLeast(identity.nameMatch, template.autoApproveAt)) {
    return {
      status: 'APPROVED',
      reason: `name match ${identity.nameMatch} at or above ${template.autoApproveAt}`,
    };
  }
  if (identity.nameMatch === 'NO_MATCH') {
    return { status: 'DECLINED', reason: 'name match NO_MATCH' };
  }
  return {
    status: 'NEEDS_REVIEW',
    reason: `name match ${identity.nameMatch} below ${template.autoApproveAt}`,
  };
}

/** The transitions one step result causes: completion, then the decision, in that order. */
export function transitionsAfterStep(
  status: InquiryStatus,
  template: DecisionRule,
  progress: StepProgress,
): Array<{ to: TargetStatus; cause: TransitionCause; reason: string }> {
  if (status !== 'PENDING' || !allStepsDone(template.steps, progress)) return [];
  const decision = decide(template, progress);
  return [
    { to: 'COMPLETED', cause: 'steps-completed', reason: 'every step of the template is done' },
    { to: decision.status, cause: 'decision-rule', reason: decision.reason },
  ];
}
