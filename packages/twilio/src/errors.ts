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
  /** SMS is not supported by a landline (a voice call is). */
  LandlineNotSupported: 60205,
  /** Two verification requests for one number at the same moment. */
  TooManyConcurrentRequests: 60212,
  DeliveryBlockedByFraudGuard: 60410,
  DeliveryBlockedByGeoPermissions: 60605,
} as const;

/**
 * What a failed Twilio call means, whatever the SDK threw: the one classification every caller reads
 * instead of codes. `unavailable` and `rate-limited` are worth trying again later; the rest are answers.
 */
export const twilioFailureKinds = [
  /** 60200: a parameter Twilio refuses (the number, the channel, the code). */
  'invalid',
  /** 20404: no such resource — for a verification, one Twilio has ended (approved, expired, canceled). */
  'not-found',
  /** 60202: the verification is out of check attempts. */
  'max-check-attempts',
  /** 60203: the verification is out of sends. */
  'max-send-attempts',
  /** 60205: SMS to a landline. */
  'landline',
  /** 60410: Fraud Guard refuses delivery to this number. */
  'fraud-guard',
  /** 60605: the Verify service's geo permissions refuse this destination. */
  'geo-blocked',
  /** 60212: another request for the same number is in progress. */
  'concurrent',
  /** Another 429 (20429…): Twilio throttles the account. */
  'rate-limited',
  /** 5xx, a timeout, a refused or reset connection: Twilio did not answer. */
  'unavailable',
  /** Anything else Twilio refused (credentials, permissions): a configuration problem, not worth retrying. */
  'refused',
] as const;
export type TwilioFailureKind = (typeof twilioFailureKinds)[number];

/** The kind of a failure from its Twilio code, HTTP status and whether it came with any answer at all. */
export function failureKindOf(twilioCode: number, httpStatus: number, answered: boolean): TwilioFailureKind {
  switch (twilioCode) {
    case TwilioErrorCode.InvalidParameter:
      return 'invalid';
    case TwilioErrorCode.NotFound:
      return 'not-found';
    case TwilioErrorCode.MaxCheckAttemptsReached:
      return 'max-check-attempts';
    case TwilioErrorCode.MaxSendAttemptsReached:
      return 'max-send-attempts';
    case TwilioErrorCode.LandlineNotSupported:
      return 'landline';
    case TwilioErrorCode.DeliveryBlockedByFraudGuard:
      return 'fraud-guard';
    case TwilioErrorCode.DeliveryBlockedByGeoPermissions:
      return 'geo-blocked';
    case TwilioErrorCode.TooManyConcurrentRequests:
      return 'concurrent';
    default:
      if (!answered || httpStatus >= 500) return 'unavailable';
      if (httpStatus === 429) return 'rate-limited';
      if (httpStatus === 404) return 'not-found';
      return 'refused';
  }
}

/** Every failure of a Twilio call, whatever the SDK threw; `retryable` says whether the same call may succeed later. */
export class TwilioProviderError extends Error {
  override name = 'TwilioProviderError';
  /** What the failure means (see `twilioFailureKinds`). */
  readonly kind: TwilioFailureKind;

  constructor(
    message: string,
    readonly twilioCode: number,
    readonly httpStatus: number,
    readonly retryable: boolean,
    options?: { cause?: unknown; answered?: boolean },
  ) {
    super(message, options);
    this.kind = failureKindOf(twilioCode, httpStatus, options?.answered ?? httpStatus !== 0);
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
        { cause: error, answered: false },
      );
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TwilioProviderError(`Twilio call failed: ${message}`, TwilioErrorCode.None, 0, false, {
    cause: error,
    answered: false,
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
    answered: true,
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

/** A Twilio call that did not succeed, as a value: its kind and what Twilio said. */
export interface TwilioFailure {
  kind: TwilioFailureKind;
  twilioCode: number;
  httpStatus: number;
  message: string;
}

export function failureOf(error: TwilioProviderError): TwilioFailure {
  return {
    kind: error.kind,
    twilioCode: error.twilioCode,
    httpStatus: error.httpStatus,
    message: error.message,
  };
}
