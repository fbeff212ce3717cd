import type { PhoneChannel } from '@attestor/contracts';
import { failedStepRefusal } from './inquiry.js';
import { activeStatuses, type VerificationStatus } from './verification.js';

/** What a start needs to know of each verification the inquiry already has (newest first). */
export interface ExistingVerification {
  id: string;
  status: VerificationStatus;
  phoneHash: string | null;
  channel: PhoneChannel;
  /** When its last send was decided (sent, challenged or refused). */
  lastAttemptAt: Date;
}

export interface StartRequest {
  phoneHash: string;
  channel: PhoneChannel;
  /** The start carries a solved challenge. */
  withSolution: boolean;
  now: Date;
  /** A start that repeats the last one within this window answers it as it is (a double submit). */
  repeatWindowMs: number;
}

/** What a start does, given the inquiry's verifications; one active verification per inquiry. */
export type StartPlan<V> =
  | { kind: 'refuse'; message: string }
  /** The same start again moments later: answer that verification, send nothing. */
  | { kind: 'repeat'; verification: V }
  /** The same number is being verified: a resend (Twilio's own semantics for a second start). */
  | { kind: 'resend'; verification: V }
  /** Another number: the active verification is canceled (here and at Twilio) first. */
  | { kind: 'replace'; verification: V }
  | { kind: 'create' };

/** Statuses that are the outcome of the last send decision itself: what a double submit would get again. */
const REPEATABLE: readonly VerificationStatus[] = ['PENDING', 'CHALLENGED', 'BLOCKED'];

export function planStart<V extends ExistingVerification>(
  verifications: readonly V[],
  start: StartRequest,
): StartPlan<V> {
  const newest = verifications[0];
  if (
    newest !== undefined &&
    REPEATABLE.includes(newest.status) &&
    !start.withSolution &&
    newest.phoneHash === start.phoneHash &&
    newest.channel === start.channel &&
    start.now.getTime() - newest.lastAttemptAt.getTime() < start.repeatWindowMs
  ) {
    return { kind: 'repeat', verification: newest };
  }
  const refusal = failedStepRefusal(verifications);
  if (refusal !== null) return { kind: 'refuse', message: refusal };
  const active = verifications.find((v) => activeStatuses.includes(v.status));
  if (active === undefined) return { kind: 'create' };
  return active.phoneHash === start.phoneHash
    ? { kind: 'resend', verification: active }
    : { kind: 'replace', verification: active };
}
