import type { VerificationStatus } from './verification.js';

/** A Twilio Verify verification's status, or `gone` when Twilio no longer knows it (20404). */
export type ProviderState =
  'pending' | 'approved' | 'canceled' | 'max_attempts_reached' | 'expired' | 'failed' | 'deleted' | 'gone';

/**
 * The status a PENDING verification settles in once Twilio reports `state`; null while Twilio still
 * holds it pending. Twilio deletes a verification when it ends, so `gone` for one we hold pending
 * means its code is no longer usable: it expired (the usual cause) or was ended elsewhere.
 */
export function settledStatus(
  state: ProviderState,
): Exclude<VerificationStatus, 'PENDING' | 'BLOCKED'> | null {
  switch (state) {
    case 'pending':
      return null;
    case 'approved':
      return 'APPROVED';
    case 'canceled':
      return 'CANCELED';
    case 'max_attempts_reached':
      return 'MAX_ATTEMPTS_REACHED';
    case 'failed':
      return 'FAILED';
    case 'expired':
    case 'deleted':
    case 'gone':
      return 'EXPIRED';
  }
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
