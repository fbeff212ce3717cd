import type { Twilio } from 'twilio';
import type { VerificationInstance } from 'twilio/lib/rest/verify/v2/service/verification.js';
import type { VerificationCheckInstance } from 'twilio/lib/rest/verify/v2/service/verificationCheck.js';
import { TwilioProviderError, TwilioErrorCode, callTwilio } from './errors.js';

/** Channels the platform sends codes over. */
export type OtpChannel = 'sms' | 'call' | 'whatsapp';
/** Channels a verification may report (one started elsewhere may use email or silent network auth). */
export type VerificationChannel = OtpChannel | 'email' | 'sna';

export const OTP_STATUSES = [
  'pending',
  'approved',
  'canceled',
  'max_attempts_reached',
  'expired',
  'failed',
  'deleted',
] as const;
export type OtpStatus = (typeof OTP_STATUSES)[number];

const VERIFICATION_CHANNELS: readonly VerificationChannel[] = ['sms', 'call', 'whatsapp', 'email', 'sna'];

export interface OtpVerification {
  sid: string;
  to: string;
  channel: VerificationChannel;
  status: OtpStatus;
  valid: boolean;
  /** Codes sent so far; null on a check result, which Twilio answers without the attempts. */
  sendCodeAttempts: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SendOtp {
  to: string;
  channel: OtpChannel;
  locale?: string;
  customFriendlyName?: string;
  /** Metadata Twilio records with the verification (at most 10; never PII). */
  tags?: Record<string, string>;
}

/** Identify the verification by `verificationSid` or by the `to` it was sent to. */
export interface CheckOtp {
  code: string;
  to?: string;
  verificationSid?: string;
}

/** One-time passcodes: send, check, and end a verification early. */
export interface OtpProvider {
  send(request: SendOtp): Promise<OtpVerification>;
  check(request: CheckOtp): Promise<OtpVerification>;
  fetch(sid: string): Promise<OtpVerification>;
  cancel(sid: string): Promise<OtpVerification>;
  approve(sid: string): Promise<OtpVerification>;
}

type VerifyServiceContext = ReturnType<Twilio['verify']['v2']['services']>;

/** OtpProvider over Twilio Verify v2, through the SDK. */
export class TwilioVerifyOtpProvider implements OtpProvider {
  readonly #service: VerifyServiceContext;

  constructor(client: Twilio, verifyServiceSid: string) {
    this.#service = client.verify.v2.services(verifyServiceSid);
  }

  send(request: SendOtp): Promise<OtpVerification> {
    return callTwilio(async () =>
      fromVerification(
        await this.#service.verifications.create({
          to: request.to,
          channel: request.channel,
          locale: request.locale,
          customFriendlyName: request.customFriendlyName,
          tags: request.tags && JSON.stringify(request.tags),
        }),
      ),
    );
  }

  check(request: CheckOtp): Promise<OtpVerification> {
    return callTwilio(async () =>
      fromCheck(
        await this.#service.verificationChecks.create({
          code: request.code,
          to: request.to,
          verificationSid: request.verificationSid,
        }),
      ),
    );
  }

  fetch(sid: string): Promise<OtpVerification> {
    return callTwilio(async () => fromVerification(await this.#service.verifications(sid).fetch()));
  }

  cancel(sid: string): Promise<OtpVerification> {
    return callTwilio(async () =>
      fromVerification(await this.#service.verifications(sid).update({ status: 'canceled' })),
    );
  }

  approve(sid: string): Promise<OtpVerification> {
    return callTwilio(async () =>
      fromVerification(await this.#service.verifications(sid).update({ status: 'approved' })),
    );
  }
}

function fromVerification(instance: VerificationInstance): OtpVerification {
  return {
    ...fromCheck(instance),
    sendCodeAttempts: Array.isArray(instance.sendCodeAttempts) ? instance.sendCodeAttempts.length : 0,
  };
}

function fromCheck(instance: VerificationInstance | VerificationCheckInstance): OtpVerification {
  return {
    sid: instance.sid,
    to: instance.to,
    channel: oneOf(VERIFICATION_CHANNELS, instance.channel, 'channel'),
    status: oneOf(OTP_STATUSES, instance.status, 'status'),
    valid: instance.valid === true,
    sendCodeAttempts: null,
    createdAt: instance.dateCreated,
    updatedAt: instance.dateUpdated,
  };
}

function oneOf<T extends string>(values: readonly T[], value: unknown, field: string): T {
  const known = values.find((candidate) => candidate === value);
  if (known !== undefined) return known;
  throw new TwilioProviderError(
    `Twilio answered with an unknown verification ${field}: ${String(value)}`,
    TwilioErrorCode.None,
    200,
    false,
  );
}
