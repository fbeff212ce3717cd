import twilio from 'twilio';

/** The Twilio error codes the platform reacts to, by name (https://www.twilio.com/docs/errors/<code>). */
export const TwilioErrorCode = {
  /** No Twilio error code: no answer at all (timeout, refused or reset connection) or one the adapter cannot read. */
  None: 0,
  AuthenticationFailed: 20003,
  NotFound: 20404,
  TooManyRequests: 20429,
  InvalidParameter: 60200,
  MaxCheckAttemptsReached: 60202,
  MaxSendAttemptsReached: 60203,
  DeliveryBlockedByFraudGuard: 60410,
  DeliveryBlockedByGeoPermissions: 60605,
} as const;

/** Every failure of a Twilio call, whatever the SDK threw; `retryable` says whether the same call may succeed later. */
export class TwilioProviderError extends Error {
  override name = 'TwilioProviderError';

  constructor(
    message: string,
    readonly twilioCode: number,
    readonly httpStatus: number,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const TRANSPORT_FAILURES = new Set([
  'ECONNABORTED',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_NETWORK',
]);

/**
 * Maps what the SDK throws: a RestException (legacy error body), an RFC 9457 service exception,
 * or an axios transport error. Anything else is a programming error and is not retryable.
 */
export function toProviderError(error: unknown): TwilioProviderError {
  if (error instanceof TwilioProviderError) return error;
  if (error instanceof twilio.RestException) {
    return fromTwilioAnswer(error.message, error.code, error.status, error);
  }
  if (isRecord(error)) {
    if (typeof error['status'] === 'number' && typeof error['code'] === 'number' && 'title' in error) {
      return fromTwilioAnswer(
        String(error['detail'] ?? error['title']),
        error['code'],
        error['status'],
        error,
      );
    }
    if (error['isAxiosError'] === true) {
      const code = typeof error['code'] === 'string' ? error['code'] : 'unknown';
      const retryable = TRANSPORT_FAILURES.has(code);
      return new TwilioProviderError(
        `No response from Twilio (${code})`,
        TwilioErrorCode.None,
        0,
        retryable,
        {
          cause: error,
        },
      );
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TwilioProviderError(`Twilio call failed: ${message}`, TwilioErrorCode.None, 0, false, {
    cause: error,
  });
}

/** An HTTP answer from Twilio (or something in front of it, whose body carries no Twilio code). */
function fromTwilioAnswer(
  message: string | undefined,
  code: number | undefined,
  status: number,
  cause: unknown,
): TwilioProviderError {
  const twilioCode = code ?? TwilioErrorCode.None;
  const retryable = status >= 500 || twilioCode === TwilioErrorCode.TooManyRequests;
  return new TwilioProviderError(message || `Twilio answered HTTP ${status}`, twilioCode, status, retryable, {
    cause,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Runs one SDK call; whatever it throws comes out as a TwilioProviderError. */
export async function callTwilio<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toProviderError(error);
  }
}
