import type { OtpStatus, TwilioFailureKind } from '@attestor/twilio';
import type { VerificationStatus } from './verification.js';

/**
 * What every Twilio outcome means for a phone verification: ONE table, row for row the one in
 * docs/phone.md. The adapter (`@attestor/twilio`) types the outcome; this says whether to try again
 * and what it does to a send, a check and a cancel. The flows only follow it.
 */

/** `never`: an answer. `once`: a race at Twilio's end that one more try settles. `backoff`: bounded retries. */
export type RetryRule = 'never' | 'once' | 'backoff';

/** The caller's error for an outcome that changes nothing. */
export type Refusal = 'BAD_USER_INPUT' | 'RATE_LIMITED' | 'PROVIDER_ERROR';

export type SendEffect =
  | { kind: 'refuse'; error: Refusal }
  /** The verification is BLOCKED with this reason: no code went out and none will. */
  | { kind: 'block'; reason: string };

export type CheckEffect =
  | { kind: 'refuse'; error: Refusal }
  | { kind: 'settle'; status: VerificationStatus; reason: string | null }
  /** Twilio no longer knows the SID: ask it what became of it (fetch), then follow. */
  | { kind: 'follow' };

export type CancelEffect = { kind: 'ended' } | { kind: 'refuse'; error: Refusal };

export interface OutcomeRow {
  twilioCodes: string;
  retry: RetryRule;
  send: SendEffect;
  check: CheckEffect;
  cancel: CancelEffect;
}

const providerError = { kind: 'refuse', error: 'PROVIDER_ERROR' } as const;

/** Reason recorded when Twilio refused the send itself. */
export const PROVIDER_REASONS = {
  landline: 'PROVIDER_LANDLINE',
  fraudGuard: 'PROVIDER_FRAUD_GUARD',
  geoPermission: 'PROVIDER_GEO_PERMISSION',
} as const;
/** Reason recorded when the checks ran out. */
export const MAX_CHECK_ATTEMPTS_REASON = 'MAX_CHECK_ATTEMPTS';

export const twilioOutcomeTable = {
  invalid: {
    twilioCodes: '60200',
    retry: 'never',
    send: { kind: 'refuse', error: 'BAD_USER_INPUT' },
    check: { kind: 'refuse', error: 'BAD_USER_INPUT' },
    cancel: providerError,
  },
  'max-check-attempts': {
    twilioCodes: '60202',
    retry: 'never',
    send: providerError,
    check: { kind: 'settle', status: 'MAX_ATTEMPTS_REACHED', reason: MAX_CHECK_ATTEMPTS_REASON },
    cancel: { kind: 'ended' },
  },
  'max-send-attempts': {
    twilioCodes: '60203',
    retry: 'never',
    send: { kind: 'refuse', error: 'RATE_LIMITED' },
    check: providerError,
    cancel: providerError,
  },
  landline: {
    twilioCodes: '60205',
    retry: 'never',
    send: { kind: 'block', reason: PROVIDER_REASONS.landline },
    check: providerError,
    cancel: providerError,
  },
  'fraud-guard': {
    twilioCodes: '60410',
    retry: 'never',
    send: { kind: 'block', reason: PROVIDER_REASONS.fraudGuard },
    check: providerError,
    cancel: providerError,
  },
  'geo-blocked': {
    twilioCodes: '60605',
    retry: 'never',
    send: { kind: 'block', reason: PROVIDER_REASONS.geoPermission },
    check: providerError,
    cancel: providerError,
  },
  concurrent: {
    twilioCodes: '60212',
    retry: 'once',
    send: providerError,
    check: providerError,
    cancel: providerError,
  },
  'not-found': {
    twilioCodes: '20404',
    retry: 'never',
    send: providerError,
    check: { kind: 'follow' },
    // Twilio has already ended it (expired, approved, used up): there is nothing left to cancel there.
    cancel: { kind: 'ended' },
  },
  'rate-limited': {
    twilioCodes: '20429, any other 429',
    retry: 'backoff',
    send: providerError,
    check: providerError,
    cancel: providerError,
  },
  unavailable: {
    twilioCodes: '5xx, timeout, no connection',
    retry: 'backoff',
    send: providerError,
    check: providerError,
    cancel: providerError,
  },
  refused: {
    twilioCodes: '20003 and any other 4xx',
    retry: 'never',
    send: providerError,
    check: providerError,
    cancel: providerError,
  },
} as const satisfies Record<TwilioFailureKind, OutcomeRow>;

/** Whether try `attempt` (1-based) of a call that failed with `kind` is followed by another. */
export function shouldRetry(kind: TwilioFailureKind, attempt: number, maxAttempts: number): boolean {
  switch (twilioOutcomeTable[kind].retry) {
    case 'never':
      return false;
    case 'once':
      return attempt < 2;
    case 'backoff':
      return attempt < maxAttempts;
  }
}

/**
 * The status a checkable verification settles in once Twilio reports `state` for it; null while
 * Twilio holds it pending. `gone` (20404 on the fetch too): Twilio deletes a verification when it
 * ends, so its code is no longer usable — it expired (the usual cause) or was ended elsewhere.
 */
export function settledStatus(state: OtpStatus | 'gone'): VerificationStatus | null {
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
