/**
 * The phone verification lifecycle. Every status change names its cause, and the table below is the
 * only place that says which (from, to, cause) triples are legal — creation included (`from` null).
 * Everything else is refused with IllegalTransitionError.
 */
export const verificationStatuses = [
  'PENDING',
  'CHALLENGED',
  'APPROVED',
  'CANCELED',
  'MAX_ATTEMPTS_REACHED',
  'EXPIRED',
  'FAILED',
  'BLOCKED',
] as const;
export type VerificationStatus = (typeof verificationStatuses)[number];

export const transitionCauses = [
  /** Twilio accepted a send: a code is on its way. */
  'code-sent',
  /** The fraud engine asked for a proof of work before anything is sent. */
  'challenged',
  /** The fraud engine or Twilio refused to send (BLOCK, Fraud Guard, landline, geo permission). */
  'send-refused',
  /** Twilio approved the code. */
  'code-approved',
  /** The fifth wrong code, or Twilio out of check attempts (60202). */
  'out-of-checks',
  /** The caller canceled it, or started again with another number. */
  'canceled',
  /** Its deadline passed (a check, a resend or the sweeper noticed), or Twilio no longer knows it. */
  'expired',
  /** Twilio reports the verification failed. */
  'provider-failed',
] as const;
export type TransitionCause = (typeof transitionCauses)[number];

type TransitionTable = {
  readonly [From in VerificationStatus | 'NEW']: {
    readonly [To in VerificationStatus]?: readonly TransitionCause[];
  };
};

/** `NEW` is the row that does not exist yet: a verification is created through the table too. */
export const transitionTable: TransitionTable = {
  NEW: {
    PENDING: ['code-sent'],
    CHALLENGED: ['challenged'],
    BLOCKED: ['send-refused'],
  },
  PENDING: {
    // A resend the fraud engine challenges or refuses; the code sent before stays checkable when CHALLENGED.
    CHALLENGED: ['challenged'],
    BLOCKED: ['send-refused'],
    APPROVED: ['code-approved'],
    MAX_ATTEMPTS_REACHED: ['out-of-checks'],
    CANCELED: ['canceled'],
    EXPIRED: ['expired'],
    FAILED: ['provider-failed'],
  },
  CHALLENGED: {
    PENDING: ['code-sent'],
    BLOCKED: ['send-refused'],
    APPROVED: ['code-approved'],
    MAX_ATTEMPTS_REACHED: ['out-of-checks'],
    CANCELED: ['canceled'],
    EXPIRED: ['expired'],
    FAILED: ['provider-failed'],
  },
  APPROVED: {},
  CANCELED: {},
  MAX_ATTEMPTS_REACHED: {},
  EXPIRED: {},
  FAILED: {},
  BLOCKED: {},
};

/** A move the lifecycle does not allow: a programming error or a lost race, never a client input. */
export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';

  constructor(
    readonly from: VerificationStatus | null,
    readonly to: VerificationStatus,
    readonly because: TransitionCause,
  ) {
    super(`a phone verification cannot go from ${from ?? 'nothing'} to ${to} (${because})`);
  }
}

export function canTransition(
  from: VerificationStatus | null,
  to: VerificationStatus,
  cause: TransitionCause,
): boolean {
  return transitionTable[from ?? 'NEW'][to]?.includes(cause) ?? false;
}

/** The status after the move (from null: the status it is created in), or IllegalTransitionError. */
export function transition(
  from: VerificationStatus | null,
  to: VerificationStatus,
  cause: TransitionCause,
): VerificationStatus {
  if (!canTransition(from, to, cause)) throw new IllegalTransitionError(from, to, cause);
  return to;
}

/** Statuses a verification may be created in. */
export const initialStatuses: readonly VerificationStatus[] = verificationStatuses.filter(
  (status) => transitionTable.NEW[status] !== undefined,
);

export function isTerminal(status: VerificationStatus): boolean {
  return Object.keys(transitionTable[status]).length === 0;
}

/** Statuses still in play (one per inquiry at most): a send, a check or a cancel may act on them. */
export const activeStatuses: readonly VerificationStatus[] = verificationStatuses.filter(
  (status) => !isTerminal(status),
);

/** Statuses the expiry sweeper may end. */
export const expirableStatuses: readonly VerificationStatus[] = verificationStatuses.filter(
  (status) => transitionTable[status].EXPIRED?.includes('expired') ?? false,
);

/** Statuses a code may be checked in (when one was sent). */
export const checkableStatuses: readonly VerificationStatus[] = verificationStatuses.filter(
  (status) => transitionTable[status].APPROVED?.includes('code-approved') ?? false,
);

/**
 * Ends that fail the inquiry's phone step (`phone.verification.failed` or `.expired`): once one of
 * them is reached, the inquiry is failing and no new verification may start for it. CANCELED is not
 * one (the end user switched numbers); APPROVED is the step done.
 */
export const stepFailingStatuses: readonly VerificationStatus[] = [
  'BLOCKED',
  'MAX_ATTEMPTS_REACHED',
  'FAILED',
  'EXPIRED',
];

export function isVerificationStatus(value: string): value is VerificationStatus {
  return (verificationStatuses as readonly string[]).includes(value);
}

/** Twilio Verify's own limit: the fifth wrong code ends the verification here. */
export const MAX_CHECK_ATTEMPTS = 5;

/** Twilio Verify's send limit: at most this many codes per verification in SEND_WINDOW_MS. */
export const MAX_SENDS = 5;
export const SEND_WINDOW_MS = 10 * 60_000;

/**
 * Seconds until another send is within Verify's limit, given when the verification's codes went out
 * in the last SEND_WINDOW_MS (oldest first); null when one may go now.
 */
export function sendLimitWaitSeconds(sentAt: readonly Date[], now: Date): number | null {
  const recent = sentAt.filter((at) => now.getTime() - at.getTime() < SEND_WINDOW_MS);
  if (recent.length < MAX_SENDS) return null;
  // The window frees a place when the oldest of the last MAX_SENDS leaves it.
  const freeing = recent[recent.length - MAX_SENDS]!.getTime() + SEND_WINDOW_MS;
  return Math.max(1, Math.ceil((freeing - now.getTime()) / 1000));
}

export function hasExpired(expiresAt: Date, now: Date): boolean {
  return expiresAt.getTime() <= now.getTime();
}

/**
 * How long a client should wait after Twilio refused another send (60203): its send limit holds for
 * the verification's lifetime, so until it expires and a new verification can be started (at least 1s).
 */
export function retryAfterSeconds(expiresAt: Date, now: Date): number {
  return Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / 1000));
}
