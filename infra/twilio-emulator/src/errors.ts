/** Twilio error codes the emulator produces, by name (https://www.twilio.com/docs/errors/<code>). */
export const TwilioErrorCode = {
  AuthenticationFailed: 20003,
  MethodNotAllowed: 20004,
  NotFound: 20404,
  InternalServerError: 20500,
  InvalidParameter: 60200,
  MaxCheckAttemptsReached: 60202,
  MaxSendAttemptsReached: 60203,
  LandlineNotSupported: 60205,
  TooManyConcurrentRequests: 60212,
  DeliveryBlockedByFraudGuard: 60410,
  DeliveryBlockedByGeoPermissions: 60605,
} as const;

/** A code the emulator produces on its own, or any code a test's fault asks it to answer with. */
export type TwilioErrorCode = (typeof TwilioErrorCode)[keyof typeof TwilioErrorCode] | number;

/** The body of every Twilio REST error. */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

/** A refusal the emulator answers with Twilio's error body; thrown by state rules and handlers alike. */
export class TwilioApiError extends Error {
  constructor(
    readonly code: TwilioErrorCode,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'TwilioApiError';
  }

  toBody(): TwilioErrorBody {
    return {
      code: this.code,
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.code}`,
      status: this.httpStatus,
    };
  }
}

export function invalidParameter(name: string, detail: string): TwilioApiError {
  return new TwilioApiError(
    TwilioErrorCode.InvalidParameter,
    400,
    `Invalid parameter \`${name}\`: ${detail}`,
  );
}

export function resourceNotFound(path: string): TwilioApiError {
  return new TwilioApiError(TwilioErrorCode.NotFound, 404, `The requested resource ${path} was not found`);
}
