import type { InquiryStatus, VerificationStep } from '@attestor/contracts';
import { stepFailingStatuses, type VerificationStatus } from './verification.js';

/** What the phone service needs to know about an inquiry before it sends a code for it. */
export interface InquiryFacts {
  status: InquiryStatus;
  steps: readonly VerificationStep[];
  expiresAt: Date;
  redacted: boolean;
}

/** Inquiry statuses in which the end user is still verifying. */
const OPEN_STATUSES: readonly InquiryStatus[] = ['CREATED', 'PENDING'];

/** Why no code may be sent for this inquiry (a message for the caller), or null when one may. */
export function phoneStepRefusal(inquiry: InquiryFacts, now: Date): string | null {
  if (inquiry.redacted) return 'The inquiry has been redacted';
  if (!OPEN_STATUSES.includes(inquiry.status)) {
    return `The inquiry is ${inquiry.status} and no longer accepts phone verifications`;
  }
  if (inquiry.expiresAt.getTime() <= now.getTime()) return 'The inquiry has expired';
  if (!inquiry.steps.includes('PHONE_OTP')) return "The inquiry's template has no phone verification step";
  return null;
}

/**
 * What the phone service knows itself: once one of the inquiry's verifications ended in a way that
 * fails the step (blocked, out of attempts, expired, failed), the inquiry is failing — even before the
 * inquiry service has heard — and nothing may start it again (attempts are never reset).
 */
export function failedStepRefusal(
  verifications: ReadonlyArray<{ status: VerificationStatus }>,
): string | null {
  const failed = verifications.find((v) => stepFailingStatuses.includes(v.status));
  return failed === undefined
    ? null
    : `The inquiry's phone verification ended ${failed.status}; the inquiry no longer accepts phone verifications`;
}
