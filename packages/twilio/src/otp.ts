import type { Twilio } from 'twilio';
import type { VerificationInstance } from 'twilio/lib/rest/verify/v2/service/verification.js';
import type { VerificationCheckInstance } from 'twilio/lib/rest/verify/v2/service/verificationCheck.js';
import { TwilioProviderError, TwilioErrorCode, callTwilio, failureOf, type TwilioFailure } from './errors.js';

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
  /** The name in the message ("Your <name> verification code is…"); Twilio allows 30 characters. */
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

/**
 * What one call came to: its success (`sent`, `checked`, `found`, `ended`) with the verification, or
 * a typed failure (`invalid`, `max-send-attempts`, `fraud-guard`, `unavailable`… — see
 * `twilioFailureKinds`). Callers decide on the kind; they never read Twilio codes.
 */
export type OtpOutcome<K extends string> = { kind: K; verification: OtpVerification } | TwilioFailure;

export type SendOutcome = OtpOutcome<'sent'>;
export type CheckOutcome = OtpOutcome<'checked'>;
export type FetchOutcome = OtpOutcome<'found'>;
export type EndOutcome = OtpOutcome<'ended'>;
/**
 * Whether Twilio recorded the right code for a verification, from its Verify Attempts (an attempt is
 * `converted` once the verification is approved). Twilio keeps the attempts after it has deleted the
 * verification, so this is what says how a verification it no longer knows ended.
 */
export type ConversionOutcome = { kind: 'attempts'; converted: boolean } | TwilioFailure;

/** One-time passcodes: send, check, and end a verification early. No method throws for a Twilio answer. */
export interface OtpProvider {
  send(request: SendOtp): Promise<SendOutcome>;
  check(request: CheckOtp): Promise<CheckOutcome>;
  fetch(sid: string): Promise<FetchOutcome>;
  cancel(sid: string): Promise<EndOutcome>;
  approve(sid: string): Promise<EndOutcome>;
  conversion(sid: string): Promise<ConversionOutcome>;
}

type VerifyServiceContext = ReturnType<Twilio['verify']['v2']['services']>;

/** Runs a call and turns a Twilio failure into its typed outcome (anything else still throws). */
async function outcome<K extends string>(
  kind: K,
  call: () => Promise<OtpVerification>,
): Promise<OtpOutcome<K>> {
  try {
    return { kind, verification: await callTwilio(call) };
  } catch (error) {
    if (error instanceof TwilioProviderError) return failureOf(error);
    throw error;
  }
}

/** OtpProvider over Twilio Verify v2, through the SDK. */
export class TwilioVerifyOtpProvider implements OtpProvider {
  readonly #service: VerifyServiceContext;
  readonly #attempts: Twilio['verify']['v2']['verificationAttempts'];
  readonly #serviceSid: string;

  constructor(client: Twilio, verifyServiceSid: string) {
    this.#service = client.verify.v2.services(verifyServiceSid);
    this.#attempts = client.verify.v2.verificationAttempts;
    this.#serviceSid = verifyServiceSid;
  }

  send(request: SendOtp): Promise<SendOutcome> {
    return outcome('sent', async () =>
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

  check(request: CheckOtp): Promise<CheckOutcome> {
    return outcome('checked', async () =>
      fromCheck(
        await this.#service.verificationChecks.create({
          code: request.code,
          to: request.to,
          verificationSid: request.verificationSid,
        }),
      ),
    );
  }

  fetch(sid: string): Promise<FetchOutcome> {
    return outcome('found', async () => fromVerification(await this.#service.verifications(sid).fetch()));
  }

  cancel(sid: string): Promise<EndOutcome> {
    return outcome('ended', async () =>
      fromVerification(await this.#service.verifications(sid).update({ status: 'canceled' })),
    );
  }

  approve(sid: string): Promise<EndOutcome> {
    return outcome('ended', async () =>
      fromVerification(await this.#service.verifications(sid).update({ status: 'approved' })),
    );
  }

  async conversion(sid: string): Promise<ConversionOutcome> {
    try {
      // A verification has at most five send attempts; one page holds them all.
      const attempts = await callTwilio(() =>
        this.#attempts.list({ verificationSid: sid, verifyServiceSid: this.#serviceSid, limit: 20 }),
      );
      return { kind: 'attempts', converted: attempts.some((a) => a.conversionStatus === 'converted') };
    } catch (error) {
      if (error instanceof TwilioProviderError) return failureOf(error);
      throw error;
    }
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
