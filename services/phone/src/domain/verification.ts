/**
 * The phone verification lifecycle. A verification is born PENDING (a code was sent) or BLOCKED (the
 * risk assessment or Twilio refused to send); only PENDING moves on, once, to one of its outcomes.
 */
export const verificationStatuses = [
  'PENDING',
  'APPROVED',
  'CANCELED',
  'MAX_ATTEMPTS_REACHED',
  'EXPIRED',
  'FAILED',
  'BLOCKED',
] as const;
export type VerificationStatus = (typeof verificationStatuses)[number];

/** The statuses a verification may be created in. */
export const initialStatuses: readonly VerificationStatus[] = ['PENDING', 'BLOCKED'];

/** The only legal moves; every status not listed as a source is terminal. */
export const verificationTransitions: Readonly<Record<VerificationStatus, readonly VerificationStatus[]>> = {
  PENDING: ['APPROVED', 'CANCELED', 'MAX_ATTEMPTS_REACHED', 'EXPIRED', 'FAILED'],
  APPROVED: [],
  CANCELED: [],
  MAX_ATTEMPTS_REACHED: [],
  EXPIRED: [],
  FAILED: [],
  BLOCKED: [],
};

/** A move the lifecycle does not allow: a programming error or a lost race, never a client input. */
export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';

  constructor(
    readonly from: VerificationStatus,
    readonly to: VerificationStatus,
  ) {
    super(`a phone verification cannot go from ${from} to ${to}`);
  }
}

export function canTransition(from: VerificationStatus, to: VerificationStatus): boolean {
  return verificationTransitions[from].includes(to);
}

/** The status after the move, or IllegalTransitionError. */
export function transition(from: VerificationStatus, to: VerificationStatus): VerificationStatus {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
  return to;
}

export function isTerminal(status: VerificationStatus): boolean {
  return verificationTransitions[status].length === 0;
}

export function isVerificationStatus(value: string): value is VerificationStatus {
  return (verificationStatuses as readonly string[]).includes(value);
}
