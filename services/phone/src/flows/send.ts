import {
  AppError,
  badInput,
  ErrorCode,
  notFound,
  type RequestContext,
  type ServiceMetrics,
} from '@attestor/platform';
import type { PhoneChannel } from '@attestor/contracts';
import type { OtpVerification, TwilioFailure } from '@attestor/twilio';
import type { Challenge } from '../domain/challenge.js';
import { phoneStepRefusal } from '../domain/inquiry.js';
import { providerChannel } from '../domain/inputs.js';
import { twilioOutcomeTable, type Refusal } from '../domain/provider.js';
import { decideSend, otherChannelMessage } from '../domain/risk.js';
import { retryAfterSeconds } from '../domain/verification.js';
import type { SendOutcome } from '../store/entities.js';
import type { FlowDeps } from './deps.js';
import { isFailure } from './provider.js';

/** One send to decide and, if allowed, make: the verification's facts and what the caller asked for. */
export interface SendRequest {
  accountId: string;
  inquiryId: string;
  verificationId: string;
  phoneSealed: string;
  countryCode: string;
  channel: PhoneChannel;
  locale: string | null;
  friendlyName: string | null;
  attempt: 'START' | 'RESEND';
  challengeSolved: boolean;
  /** Until when Twilio's send limit would hold (for RATE_LIMITED's retryAfterSeconds). */
  expiresAt: Date;
  /** The argument a refusal of this number or channel names. */
  field: 'phoneNumber' | 'channel';
}

/** What came of it. Refusals that change nothing carry the caller's error and the send attempt to record. */
export type SendResult = { assessmentId: string | null; assessmentSkipped: boolean } & (
  | { kind: 'sent'; verification: OtpVerification }
  | { kind: 'blocked'; reason: string; attempt: SendOutcome | null }
  | { kind: 'challenged'; challenge: Challenge; reason: string }
  | { kind: 'refused'; error: AppError; attempt: SendOutcome }
);

export const providerUnavailable = () =>
  new AppError(ErrorCode.PROVIDER_ERROR, 'The verification provider is unavailable, try again');

/**
 * Every send goes this way: the fraud engine first (with the client's IP, a start or a resend, and
 * whether a challenge was solved), then — only when it allows — the inquiry is asked once more whether
 * it is still open, right before Twilio is. No transaction is open at any point here.
 */
export async function decideAndSend(
  deps: FlowDeps,
  ctx: RequestContext,
  send: SendRequest,
): Promise<SendResult> {
  const result = await decide(deps, ctx, send);
  deps.sendMetrics.record(send, result);
  return result;
}

async function decide(deps: FlowDeps, ctx: RequestContext, send: SendRequest): Promise<SendResult> {
  const verdict = await deps.asks.assess({
    accountId: send.accountId,
    inquiryId: send.inquiryId,
    verificationId: send.verificationId,
    phoneNumberSealed: send.phoneSealed,
    countryCode: send.countryCode,
    channel: send.channel,
    ip: ctx.claims.ip,
    attempt: send.attempt,
    challengeSolved: send.challengeSolved,
  });
  if (verdict.kind === 'unavailable') {
    ctx.logger.warn(
      { verificationId: send.verificationId, reason: verdict.failure },
      'risk assessment unavailable',
    );
  }
  const decision = decideSend(verdict, deps.config.FRAUD_FAIL_MODE, send.channel);
  switch (decision.action) {
    case 'unassessed':
      throw new AppError(ErrorCode.PROVIDER_ERROR, 'Risk assessment unavailable, try again');
    case 'use-channel':
      throw badInput(otherChannelMessage(send.channel, decision.channel), 'channel');
    case 'block':
      return {
        kind: 'blocked',
        reason: decision.reasons.join(','),
        attempt: null,
        assessmentId: decision.assessmentId,
        assessmentSkipped: false,
      };
    case 'challenge':
      return {
        kind: 'challenged',
        challenge: await deps.challenges.issue(send.verificationId, decision.work),
        reason: ['CHALLENGE_REQUIRED', ...decision.reasons].join(','),
        assessmentId: decision.assessmentId,
        assessmentSkipped: false,
      };
    case 'send':
      break;
  }
  const { assessmentId, assessmentSkipped } = decision;
  if (assessmentSkipped) {
    ctx.logger.warn(
      { verificationId: send.verificationId },
      'risk assessment unavailable; sending unassessed (FRAUD_FAIL_MODE=open)',
    );
  }
  await requireInquiryStillOpen(deps, send.accountId, send.inquiryId);
  const outcome = await deps.verify.send({
    to: deps.pii.open(send.phoneSealed),
    channel: providerChannel[send.channel],
    ...(send.locale !== null && { locale: send.locale }),
    ...(send.friendlyName !== null && { customFriendlyName: send.friendlyName }),
    tags: { verification_id: send.verificationId },
  });
  if (!isFailure(outcome))
    return { kind: 'sent', verification: outcome.verification, assessmentId, assessmentSkipped };
  const effect = twilioOutcomeTable[outcome.kind].send;
  if (effect.kind === 'block') {
    return { kind: 'blocked', reason: effect.reason, attempt: 'BLOCKED', assessmentId, assessmentSkipped };
  }
  return {
    kind: 'refused',
    error: refusalError(deps, ctx, effect.error, outcome, send),
    attempt: attemptOutcome(effect.error),
    assessmentId,
    assessmentSkipped,
  };
}

/**
 * The inquiry service's word right before the send, the race with an inquiry that just ended closed:
 * the inquiry service holds an open inquiry open for as long as the send may take (its expiry waits
 * for the hold), and a send it did not hold for is not made.
 */
export async function requireInquiryStillOpen(
  deps: FlowDeps,
  accountId: string,
  inquiryId: string,
): Promise<void> {
  const { held, inquiry } = await deps.asks.inquiryHeldForSend(accountId, inquiryId, sendHoldMs(deps));
  if (inquiry === null || inquiry.accountId !== accountId) throw notFound('Inquiry');
  const refusal = phoneStepRefusal({ ...inquiry, expiresAt: new Date(inquiry.expiresAt) }, deps.clock.now());
  if (refusal !== null) throw badInput(refusal, 'inquiryId');
  if (!held) throw badInput('The inquiry is no longer open for a phone verification', 'inquiryId');
}

/** As long as a send may take: every try of the Twilio call, each with its timeout and backoff. */
function sendHoldMs(deps: FlowDeps): number {
  const { TWILIO_MAX_ATTEMPTS, TWILIO_TIMEOUT_MS } = deps.config;
  return Math.min(120_000, TWILIO_MAX_ATTEMPTS * (TWILIO_TIMEOUT_MS + 2000) + 1000);
}

function refusalError(
  deps: FlowDeps,
  ctx: RequestContext,
  refusal: Refusal,
  failure: TwilioFailure,
  send: SendRequest,
): AppError {
  switch (refusal) {
    case 'RATE_LIMITED':
      return new AppError(
        ErrorCode.RATE_LIMITED,
        'Too many codes sent to this number; wait before asking again',
        {
          retryAfterSeconds: retryAfterSeconds(send.expiresAt, deps.clock.now()),
        },
      );
    case 'BAD_USER_INPUT':
      return badInput('The provider cannot send a code to this number over this channel', send.field);
    case 'PROVIDER_ERROR':
      logProviderFailure(ctx, failure, send.verificationId);
      return providerUnavailable();
  }
}

function attemptOutcome(refusal: Refusal): SendOutcome {
  switch (refusal) {
    case 'RATE_LIMITED':
      return 'RATE_LIMITED';
    case 'BAD_USER_INPUT':
      return 'REJECTED';
    case 'PROVIDER_ERROR':
      return 'FAILED';
  }
}

export function logProviderFailure(
  ctx: RequestContext,
  failure: TwilioFailure,
  verificationId: string,
): void {
  ctx.logger.warn(
    { verificationId, kind: failure.kind, twilioCode: failure.twilioCode, httpStatus: failure.httpStatus },
    'Twilio call failed',
  );
}

type MetricCounter = ReturnType<ServiceMetrics['counter']>;

/** attestor_sms_sent_total / _blocked_total / _challenged_total, by the number's country (docs/operations.md). */
export class SendMetrics {
  private readonly sent: MetricCounter;
  private readonly blocked: MetricCounter;
  private readonly challenged: MetricCounter;

  constructor(metrics: ServiceMetrics) {
    this.sent = metrics.counter(
      'attestor_sms_sent_total',
      'Codes Twilio Verify accepted to send, by country and channel',
      ['country', 'channel'],
    );
    this.blocked = metrics.counter(
      'attestor_sms_blocked_total',
      'Sends refused by the fraud engine or by Twilio (Fraud Guard, geo permissions), by country and reason',
      ['country', 'reason'],
    );
    this.challenged = metrics.counter(
      'attestor_sms_challenged_total',
      'Sends held behind a proof-of-work challenge, by country',
      ['country'],
    );
  }

  record(send: SendRequest, result: SendResult): void {
    const country = send.countryCode;
    if (result.kind === 'sent') this.sent.inc({ country, channel: send.channel.toLowerCase() });
    // The first reason only: a label per combination of reasons would grow without bound.
    else if (result.kind === 'blocked')
      this.blocked.inc({ country, reason: result.reason.split(',')[0] ?? '' });
    else if (result.kind === 'challenged') this.challenged.inc({ country });
  }
}
