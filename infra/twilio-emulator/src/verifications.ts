import { randomBytes, randomInt } from 'node:crypto';
import { twilioTimestamp } from './clock.js';
import type { Clock } from './clock.js';
import { TwilioApiError, TwilioErrorCode } from './errors.js';
import type { NumberDirectory } from './numbers.js';
import type { Outbox } from './outbox.js';

/** Channels the emulator delivers; `sna` is in Twilio's enum but needs a carrier handshake it does not model. */
export const VERIFICATION_CHANNELS = ['sms', 'call', 'whatsapp', 'email'] as const;
export type VerificationChannel = (typeof VERIFICATION_CHANNELS)[number];

export type VerificationStatus = 'pending' | 'approved' | 'canceled' | 'max_attempts_reached' | 'expired';

export interface SendCodeAttempt {
  attemptSid: string;
  channel: VerificationChannel;
  time: Date;
}

export interface Verification {
  sid: string;
  serviceSid: string;
  to: string;
  channel: VerificationChannel;
  status: VerificationStatus;
  code: string;
  locale: string;
  customFriendlyName: string | null;
  tags: Record<string, string> | null;
  sendCodeAttempts: SendCodeAttempt[];
  failedChecks: number;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
}

/** Twilio Verify's defaults, plus the caps that keep the emulator's memory bounded. */
export const VERIFY_LIMITS = {
  codeTtlSeconds: 600,
  maxSendAttempts: 5,
  maxFailedChecks: 5,
  verificationsPerDestination: 10,
  verifications: 10_000,
} as const;

export interface StartVerification {
  to: string;
  channel: VerificationChannel;
  locale: string | null;
  customFriendlyName: string | null;
  tags: Record<string, string> | null;
}

export interface CheckVerification {
  code: string;
  to: string | null;
  verificationSid: string | null;
}

export interface VerifyServiceDependencies {
  clock: Clock;
  outbox: Outbox;
  numbers: NumberDirectory;
  newCode?: () => string;
}

/**
 * One Twilio Verify Service (VA…) and its verifications. A verification is usable only while
 * `pending`; once approved, canceled, expired or out of check attempts Twilio deletes it, so
 * every later fetch, update or check answers 20404.
 */
export class VerifyService {
  readonly #verifications = new Map<string, Verification>();
  readonly #byDestination = new Map<string, string[]>();
  readonly #clock: Clock;
  readonly #outbox: Outbox;
  readonly #numbers: NumberDirectory;
  readonly #newCode: () => string;

  constructor(
    readonly sid: string,
    dependencies: VerifyServiceDependencies,
  ) {
    this.#clock = dependencies.clock;
    this.#outbox = dependencies.outbox;
    this.#numbers = dependencies.numbers;
    this.#newCode = dependencies.newCode ?? sixDigitCode;
  }

  /** Sends a code; while a verification to `to` is pending, re-sends its code instead of making a new one. */
  start(request: StartVerification): Verification {
    this.#refuseDelivery(request);
    const now = this.#clock.now();
    const pending = this.#pendingTo(request.to);
    if (pending !== undefined && pending.sendCodeAttempts.length >= VERIFY_LIMITS.maxSendAttempts) {
      throw new TwilioApiError(TwilioErrorCode.MaxSendAttemptsReached, 429, 'Max send attempts reached');
    }
    const verification = pending ?? this.#create(request, now);
    verification.channel = request.channel;
    verification.locale = request.locale ?? verification.locale;
    verification.customFriendlyName = request.customFriendlyName ?? verification.customFriendlyName;
    verification.tags = request.tags ?? verification.tags;
    verification.sendCodeAttempts.push({ attemptSid: newSid('VL'), channel: request.channel, time: now });
    verification.updatedAt = now;
    this.#outbox.record({
      to: verification.to,
      channel: request.channel,
      code: verification.code,
      sid: verification.sid,
      sentAt: twilioTimestamp(now),
      locale: verification.locale,
      friendlyName: verification.customFriendlyName,
    });
    return verification;
  }

  /**
   * Checks a code; undefined when no pending verification matches. The check after five wrong
   * codes is refused with 60202 and ends the verification.
   */
  check(request: CheckVerification): Verification | undefined {
    const verification =
      request.verificationSid !== null
        ? this.#usable(request.verificationSid)
        : request.to !== null
          ? this.#pendingTo(request.to)
          : undefined;
    if (verification === undefined) return undefined;
    const now = this.#clock.now();
    if (verification.failedChecks >= VERIFY_LIMITS.maxFailedChecks) {
      this.#finish(verification, 'max_attempts_reached', now);
      throw new TwilioApiError(TwilioErrorCode.MaxCheckAttemptsReached, 429, 'Max check attempts reached');
    }
    if (request.code === verification.code) {
      this.#finish(verification, 'approved', now);
    } else {
      verification.failedChecks += 1;
      verification.updatedAt = now;
    }
    return verification;
  }

  /** The verification while it is pending; undefined once Twilio would have deleted it. */
  fetch(sid: string): Verification | undefined {
    return this.#usable(sid);
  }

  update(sid: string, status: 'canceled' | 'approved'): Verification | undefined {
    const verification = this.#usable(sid);
    if (verification !== undefined) this.#finish(verification, status, this.#clock.now());
    return verification;
  }

  /** Any verification the service still holds, whatever its status (for tests of the state rules). */
  find(sid: string): Verification | undefined {
    const verification = this.#verifications.get(sid);
    if (verification !== undefined) this.#expireIfDue(verification);
    return verification;
  }

  /** Every verification remembered, oldest first: the state file's copy. */
  snapshot(): Verification[] {
    return [...this.#verifications.values()];
  }

  restore(verifications: readonly Verification[]): void {
    this.reset();
    for (const verification of verifications) this.#remember(verification);
  }

  reset(): void {
    this.#verifications.clear();
    this.#byDestination.clear();
  }

  /** What Verify refuses before sending anything: geo permissions, SMS to a landline, Fraud Guard. */
  #refuseDelivery(request: StartVerification): void {
    if (request.channel === 'email') return;
    const profile = this.#numbers.profile(request.to);
    if (profile.geoBlocked) {
      throw new TwilioApiError(
        TwilioErrorCode.DeliveryBlockedByGeoPermissions,
        403,
        'Verification delivery attempt blocked: the geo permissions of this service do not allow this destination',
      );
    }
    if (request.channel !== 'sms') return;
    if (profile.seeded && profile.lineType === 'landline') {
      throw new TwilioApiError(
        TwilioErrorCode.LandlineNotSupported,
        400,
        'SMS is not supported by landline phone number',
      );
    }
    if (profile.blocked) {
      throw new TwilioApiError(
        TwilioErrorCode.DeliveryBlockedByFraudGuard,
        403,
        'Verification delivery attempt blocked: Fraud Guard has blocked SMS to this number',
      );
    }
  }

  #create(request: StartVerification, now: Date): Verification {
    const verification: Verification = {
      sid: newSid('VE'),
      serviceSid: this.sid,
      to: request.to,
      channel: request.channel,
      status: 'pending',
      code: this.#newCode(),
      locale: request.locale ?? 'en',
      customFriendlyName: request.customFriendlyName,
      tags: request.tags,
      sendCodeAttempts: [],
      failedChecks: 0,
      createdAt: now,
      updatedAt: now,
      expiresAt: new Date(now.getTime() + VERIFY_LIMITS.codeTtlSeconds * 1000),
    };
    this.#remember(verification);
    return verification;
  }

  #remember(verification: Verification): void {
    this.#verifications.set(verification.sid, verification);
    const sids = this.#byDestination.get(verification.to) ?? [];
    sids.push(verification.sid);
    this.#byDestination.set(verification.to, sids);
    if (sids.length > VERIFY_LIMITS.verificationsPerDestination) this.#forget(sids[0]);
    if (this.#verifications.size > VERIFY_LIMITS.verifications)
      this.#forget(this.#verifications.keys().next().value);
  }

  #forget(sid: string | undefined): void {
    const verification = sid === undefined ? undefined : this.#verifications.get(sid);
    if (verification === undefined) return;
    this.#verifications.delete(verification.sid);
    const remaining = (this.#byDestination.get(verification.to) ?? []).filter((s) => s !== verification.sid);
    if (remaining.length === 0) this.#byDestination.delete(verification.to);
    else this.#byDestination.set(verification.to, remaining);
  }

  /** Only the newest verification to a destination can be pending. */
  #pendingTo(to: string): Verification | undefined {
    const newest = this.#byDestination.get(to)?.at(-1);
    return newest === undefined ? undefined : this.#usable(newest);
  }

  #usable(sid: string): Verification | undefined {
    const verification = this.find(sid);
    return verification?.status === 'pending' ? verification : undefined;
  }

  #expireIfDue(verification: Verification): void {
    if (verification.status === 'pending' && this.#clock.now() >= verification.expiresAt) {
      this.#finish(verification, 'expired', verification.expiresAt);
    }
  }

  #finish(verification: Verification, status: Exclude<VerificationStatus, 'pending'>, at: Date): void {
    verification.status = status;
    verification.updatedAt = at;
  }
}

function sixDigitCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/** Twilio SIDs: a two-letter prefix and 32 hex digits. */
export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}
