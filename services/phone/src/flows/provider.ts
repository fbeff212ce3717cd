import type { Logger } from 'pino';
import { inTransaction } from '@attestor/platform';
import {
  backoffDelay,
  withRetries,
  type CheckOutcome,
  type ConversionOutcome,
  type EndOutcome,
  type FetchOutcome,
  type OtpProvider,
  type SendOtp,
  type SendOutcome,
  type TwilioFailure,
} from '@attestor/twilio';
import { shouldRetry } from '../domain/provider.js';

const MAX_BACKOFF_MS = 2000;

/** A Twilio call's outcome that is a failure (every success of the provider's calls lacks a code). */
export function isFailure<T extends object>(outcome: T | TwilioFailure): outcome is TwilioFailure {
  return 'twilioCode' in outcome;
}

/**
 * Twilio Verify as the flows use it: each call retried as the outcome table says (60212 once; 429,
 * 5xx and timeouts with backoff and jitter, up to TWILIO_MAX_ATTEMPTS tries) and refused outright
 * inside a database transaction — no transaction may stay open across a Twilio call.
 */
export class VerifyCalls {
  constructor(
    private readonly otp: OtpProvider,
    private readonly options: { maxAttempts: number; retryBaseMs: number },
    private readonly logger: Logger,
  ) {}

  send(request: SendOtp): Promise<SendOutcome> {
    return this.call('send', () => this.otp.send(request));
  }

  check(verificationSid: string, code: string): Promise<CheckOutcome> {
    return this.call('check', () => this.otp.check({ verificationSid, code }));
  }

  fetch(sid: string): Promise<FetchOutcome> {
    return this.call('fetch', () => this.otp.fetch(sid));
  }

  cancel(sid: string): Promise<EndOutcome> {
    return this.call('cancel', () => this.otp.cancel(sid));
  }

  /** Whether Twilio recorded the right code for `sid` (Verify Attempts), after it deleted it. */
  conversion(sid: string): Promise<ConversionOutcome> {
    return this.call('conversion', () => this.otp.conversion(sid));
  }

  private call<T extends object>(
    operation: string,
    run: () => Promise<T | TwilioFailure>,
  ): Promise<T | TwilioFailure> {
    if (inTransaction()) {
      throw new Error(`Twilio ${operation} called inside a database transaction: call it before or after`);
    }
    const { maxAttempts, retryBaseMs } = this.options;
    return withRetries(run, {
      retryAfter: (outcome, attempt) =>
        isFailure(outcome) && shouldRetry(outcome.kind, attempt, maxAttempts)
          ? backoffDelay(attempt, { baseMs: retryBaseMs, maxMs: MAX_BACKOFF_MS })
          : null,
      onRetry: (outcome, attempt, delayMs) =>
        this.logger.warn(
          {
            operation,
            attempt,
            delayMs,
            ...(isFailure(outcome) && { kind: outcome.kind, twilioCode: outcome.twilioCode }),
          },
          'Twilio call failed; trying again',
        ),
    });
  }
}
