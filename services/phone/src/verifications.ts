import {
  accountOf,
  AppError,
  badInput,
  ErrorCode,
  mayAccessInquiry,
  notFound,
  request,
  RpcTimeoutError,
  type RequestContext,
  type ServiceDeps,
  type Transaction,
} from '@attestor/platform';
import { isUuid, uuidv7 } from '@attestor/contracts';
import {
  TwilioErrorCode,
  TwilioProviderError,
  type OtpProvider,
  type OtpVerification,
} from '@attestor/twilio';
import type { PhoneConfig } from './config.js';
import { phoneStepRefusal } from './domain/inquiry.js';
import { isCodeWellFormed, isLocaleWellFormed, providerChannel, type PhoneChannel } from './domain/inputs.js';
import { parsePhoneNumber, type PhoneNumber } from './domain/phone-number.js';
import { hasExpired, retryAfterSeconds, settledStatus, type ProviderState } from './domain/provider.js';
import { decideSend, PROVIDER_BLOCKED, type RiskVerdict } from './domain/risk.js';
import { transition, type VerificationStatus } from './domain/verification.js';
import { publishStatusChange } from './events.js';
import type { PhoneVerificationRecord, SendOutcome } from './store/entities.js';
import { verificationStore as store } from './store/verifications.js';

export interface StartRequest {
  inquiryId: string;
  phoneNumber: string;
  channel: PhoneChannel;
  locale: string | null;
}

const VERIFICATION = 'Phone verification';
const MAX_CHECK_ATTEMPTS = 'MAX_CHECK_ATTEMPTS';

const providerUnavailable = () =>
  new AppError(ErrorCode.PROVIDER_ERROR, 'The verification provider is unavailable, try again');

/**
 * The four things a caller can do with a phone verification. Each runs its checks, asks Twilio, and
 * writes the new state with its event in one outbox transaction. Checks, resends and cancels lock the
 * row for the length of the Twilio call, so concurrent requests on one verification queue up instead
 * of double-counting attempts.
 */
export class PhoneVerifications {
  private readonly ttlMs: number;

  constructor(
    private readonly deps: ServiceDeps<PhoneConfig>,
    private readonly otp: OtpProvider,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.ttlMs = deps.config.VERIFICATION_TTL_SECONDS * 1000;
  }

  async start(ctx: RequestContext, input: StartRequest): Promise<PhoneVerificationRecord> {
    const accountId = accountOf(ctx.caller);
    if (!mayAccessInquiry(ctx.caller, input.inquiryId)) throw notFound('Inquiry');
    const phone = parsePhoneNumber(input.phoneNumber);
    if (phone === null) {
      throw badInput('phoneNumber must be a valid international number, e.g. +14155550123', 'phoneNumber');
    }
    if (input.locale !== null && !isLocaleWellFormed(input.locale)) {
      throw badInput('locale must look like "en" or "pt-BR"', 'locale');
    }
    await this.requireOpenInquiry(ctx, accountId, input.inquiryId);

    const id = uuidv7();
    const phoneSealed = this.deps.pii.seal(phone.e164);
    const decision = decideSend(
      await this.assessRisk(ctx, { accountId, verificationId: id, phoneSealed, phone, ...input }),
      this.deps.config.FRAUD_FAIL_MODE,
    );
    if (decision.action === 'refuse') {
      throw new AppError(ErrorCode.PROVIDER_ERROR, 'Risk assessment unavailable, try again');
    }
    const record = this.newRecord(accountId, id, phone, phoneSealed, input);
    record.riskAssessmentId = decision.assessmentId;
    if (decision.action === 'block') return this.createBlocked(ctx, record, decision.reasons, null);
    record.riskAssessmentSkipped = decision.assessmentSkipped;
    if (decision.assessmentSkipped) {
      ctx.logger.warn(
        { verificationId: id },
        'risk assessment unavailable; sending unassessed (FRAUD_FAIL_MODE=open)',
      );
    }

    let sent: OtpVerification;
    try {
      sent = await this.otp.send({
        to: phone.e164,
        channel: providerChannel[input.channel],
        ...(input.locale !== null && { locale: input.locale }),
        tags: { verification_id: id },
      });
    } catch (error) {
      const failure = asProviderError(error);
      if (failure.twilioCode === TwilioErrorCode.DeliveryBlockedByFraudGuard) {
        return this.createBlocked(ctx, record, [PROVIDER_BLOCKED], 'BLOCKED');
      }
      const now = this.now();
      throw this.sendRefusal(ctx, failure, id, {
        field: 'phoneNumber',
        now,
        expiresAt: new Date(now.getTime() + this.ttlMs),
      });
    }
    const now = this.now();
    record.providerSid = sent.sid;
    record.sendAttempts = 1;
    record.createdAt = now;
    record.expiresAt = new Date(now.getTime() + this.ttlMs);
    await this.deps.outbox.transaction(
      async (tx) => {
        await store.insert(tx.manager, record);
        await this.recordSend(tx, record, record.channel, 'SENT', now);
        await publishStatusChange(tx, record);
      },
      { requestId: ctx.requestId },
    );
    return record;
  }

  async check(ctx: RequestContext, verificationId: string, code: string): Promise<PhoneVerificationRecord> {
    const accountId = accountOf(ctx.caller);
    if (!isCodeWellFormed(code)) throw badInput('code must be 4 to 10 digits', 'code');
    return this.deps.outbox.transaction(
      async (tx) => {
        const record = await this.lockPending(tx, ctx, accountId, verificationId);
        if (hasExpired(record.expiresAt, this.now())) return this.settle(tx, record, 'EXPIRED');
        const sid = this.providerSidOf(record);
        let result: OtpVerification;
        try {
          result = await this.otp.check({ code, verificationSid: sid });
        } catch (error) {
          const failure = asProviderError(error);
          if (failure.twilioCode === TwilioErrorCode.MaxCheckAttemptsReached) {
            return this.settle(tx, record, 'MAX_ATTEMPTS_REACHED', MAX_CHECK_ATTEMPTS);
          }
          if (failure.twilioCode === TwilioErrorCode.NotFound)
            return this.settleFromProvider(tx, ctx, record);
          throw this.unavailable(ctx, failure, record.id);
        }
        record.checkAttempts += 1;
        if (result.status === 'pending') {
          // A wrong code: Twilio keeps the verification open and counts the attempt.
          await store.update(tx.manager, record);
          return record;
        }
        const settled = settledStatus(result.status);
        if (settled === null) return record;
        return this.settle(
          tx,
          record,
          settled,
          settled === 'MAX_ATTEMPTS_REACHED' ? MAX_CHECK_ATTEMPTS : null,
        );
      },
      { requestId: ctx.requestId },
    );
  }

  async resend(
    ctx: RequestContext,
    verificationId: string,
    channel: PhoneChannel | null,
  ): Promise<PhoneVerificationRecord> {
    const accountId = accountOf(ctx.caller);
    let refusal: AppError | undefined;
    const record = await this.deps.outbox.transaction(
      async (tx) => {
        const record = await this.lockPending(tx, ctx, accountId, verificationId);
        const now = this.now();
        if (hasExpired(record.expiresAt, now)) return this.settle(tx, record, 'EXPIRED');
        const sid = this.providerSidOf(record);
        const nextChannel = channel ?? record.channel;
        let sent: OtpVerification;
        try {
          sent = await this.otp.send({
            to: this.phoneOf(record),
            channel: providerChannel[nextChannel],
            ...(record.locale !== null && { locale: record.locale }),
            tags: { verification_id: record.id },
          });
        } catch (error) {
          const failure = asProviderError(error);
          // The refused attempt is kept (it counts for rate rules); the error reaches the caller after commit.
          await this.recordSend(tx, record, nextChannel, sendOutcomeOf(failure), now);
          refusal = this.sendRefusal(ctx, failure, record.id, {
            field: 'channel',
            now,
            expiresAt: record.expiresAt,
          });
          return record;
        }
        record.sendAttempts += 1;
        record.channel = nextChannel;
        if (sent.sid !== sid) {
          // Twilio had already ended the old verification and started a new one: a new code, a new validity.
          record.providerSid = sent.sid;
          record.expiresAt = new Date(now.getTime() + this.ttlMs);
        }
        await this.recordSend(tx, record, nextChannel, 'SENT', now);
        await store.update(tx.manager, record);
        return record;
      },
      { requestId: ctx.requestId },
    );
    if (refusal) throw refusal;
    return record;
  }

  async cancel(ctx: RequestContext, verificationId: string): Promise<PhoneVerificationRecord> {
    const accountId = accountOf(ctx.caller);
    return this.deps.outbox.transaction(
      async (tx) => {
        const record = await this.lockPending(tx, ctx, accountId, verificationId, { allowRedacted: true });
        try {
          await this.otp.cancel(this.providerSidOf(record));
        } catch (error) {
          const failure = asProviderError(error);
          // 20404: Twilio has already ended it (expired or used up); there is nothing left to cancel there.
          if (failure.twilioCode !== TwilioErrorCode.NotFound)
            throw this.unavailable(ctx, failure, record.id);
        }
        return this.settle(tx, record, 'CANCELED');
      },
      { requestId: ctx.requestId },
    );
  }

  // --------------------------------------------------------------------------------------------- steps

  private async requireOpenInquiry(ctx: RequestContext, accountId: string, inquiryId: string): Promise<void> {
    let reply;
    try {
      reply = await request(
        this.deps.bus,
        'rpc.inquiry.lookup',
        { accountId, inquiryId },
        { timeoutMs: this.deps.config.RPC_TIMEOUT_MS, requestId: ctx.requestId },
      );
    } catch (error) {
      if (error instanceof RpcTimeoutError) {
        throw new AppError(ErrorCode.PROVIDER_ERROR, 'Inquiry lookup unavailable, try again');
      }
      throw error;
    }
    const inquiry = reply.inquiry;
    if (inquiry === null || inquiry.accountId !== accountId) throw notFound('Inquiry');
    const refusal = phoneStepRefusal({ ...inquiry, expiresAt: new Date(inquiry.expiresAt) }, this.now());
    if (refusal !== null) throw badInput(refusal, 'inquiryId');
  }

  private async assessRisk(
    ctx: RequestContext,
    ask: StartRequest & {
      accountId: string;
      verificationId: string;
      phoneSealed: string;
      phone: PhoneNumber;
    },
  ): Promise<RiskVerdict> {
    try {
      const reply = await request(
        this.deps.bus,
        'rpc.fraud.assess',
        {
          accountId: ask.accountId,
          inquiryId: ask.inquiryId,
          verificationId: ask.verificationId,
          phoneNumberSealed: ask.phoneSealed,
          countryCode: ask.phone.countryCode,
          channel: ask.channel,
          ip: ctx.claims.ip,
        },
        { timeoutMs: this.deps.config.RPC_TIMEOUT_MS, requestId: ctx.requestId },
      );
      return {
        kind: 'assessed',
        assessmentId: reply.assessmentId,
        decision: reply.decision,
        reasons: reply.reasons,
      };
    } catch (error) {
      // No answer, or the fraud service failed to assess: the configured fail mode decides.
      const reason =
        error instanceof RpcTimeoutError ? 'timeout' : error instanceof AppError ? error.code : 'error';
      ctx.logger.warn({ verificationId: ask.verificationId, reason }, 'risk assessment unavailable');
      return { kind: 'unavailable' };
    }
  }

  private newRecord(
    accountId: string,
    id: string,
    phone: PhoneNumber,
    phoneSealed: string,
    input: StartRequest,
  ): PhoneVerificationRecord {
    const now = this.now();
    return {
      id,
      accountId,
      inquiryId: input.inquiryId,
      phoneSealed,
      phoneHash: this.deps.pii.hash(phone.e164),
      phoneMasked: phone.masked,
      countryCode: phone.countryCode,
      channel: input.channel,
      status: 'PENDING',
      locale: input.locale,
      providerSid: null,
      checkAttempts: 0,
      sendAttempts: 0,
      riskAssessmentId: null,
      riskAssessmentSkipped: false,
      statusReason: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.ttlMs),
      approvedAt: null,
      redactedAt: null,
    };
  }

  /** BLOCKED from birth: no code went out (`attempt` says whether Twilio was asked). */
  private async createBlocked(
    ctx: RequestContext,
    record: PhoneVerificationRecord,
    reasons: string[],
    attempt: SendOutcome | null,
  ): Promise<PhoneVerificationRecord> {
    const now = this.now();
    record.status = 'BLOCKED';
    record.statusReason = reasons.join(',');
    record.createdAt = now;
    record.expiresAt = new Date(now.getTime() + this.ttlMs);
    await this.deps.outbox.transaction(
      async (tx) => {
        await store.insert(tx.manager, record);
        if (attempt !== null) await this.recordSend(tx, record, record.channel, attempt, now);
        await publishStatusChange(tx, record);
      },
      { requestId: ctx.requestId },
    );
    return record;
  }

  /** The caller's PENDING verification, locked; NOT_FOUND for anything the caller may not see. */
  private async lockPending(
    tx: Transaction,
    ctx: RequestContext,
    accountId: string,
    verificationId: string,
    options: { allowRedacted?: boolean } = {},
  ): Promise<PhoneVerificationRecord> {
    if (!isUuid(verificationId)) throw notFound(VERIFICATION);
    const record = await store.lock(tx.manager, accountId, verificationId);
    if (record === null || !mayAccessInquiry(ctx.caller, record.inquiryId)) throw notFound(VERIFICATION);
    if (record.status !== 'PENDING') throw badInput(`${VERIFICATION} is ${record.status}`, 'verificationId');
    if (record.redactedAt !== null && !options.allowRedacted) {
      throw badInput(`${VERIFICATION} has been redacted`, 'verificationId');
    }
    return record;
  }

  private providerSidOf(record: PhoneVerificationRecord): string {
    // Only BLOCKED verifications have no SID, and they never reach this point.
    if (record.providerSid === null) throw new Error(`pending verification ${record.id} has no provider SID`);
    return record.providerSid;
  }

  private phoneOf(record: PhoneVerificationRecord): string {
    // Redacted verifications are refused before any send, so the sealed number is there.
    if (record.phoneSealed === null) throw new Error(`verification ${record.id} has no phone number`);
    return this.deps.pii.open(record.phoneSealed);
  }

  /** Moves the verification to `to` (the lifecycle table refuses any other move) and publishes it. */
  private async settle(
    tx: Transaction,
    record: PhoneVerificationRecord,
    to: VerificationStatus,
    reason: string | null = null,
  ): Promise<PhoneVerificationRecord> {
    record.status = transition(record.status, to);
    record.statusReason = reason;
    if (to === 'APPROVED') record.approvedAt = this.now();
    await store.update(tx.manager, record);
    await publishStatusChange(tx, record);
    return record;
  }

  /** Twilio no longer knows the SID we checked: ask what became of it, and follow. */
  private async settleFromProvider(
    tx: Transaction,
    ctx: RequestContext,
    record: PhoneVerificationRecord,
  ): Promise<PhoneVerificationRecord> {
    let state: ProviderState;
    try {
      state = (await this.otp.fetch(this.providerSidOf(record))).status;
    } catch (error) {
      const failure = asProviderError(error);
      if (failure.twilioCode !== TwilioErrorCode.NotFound) throw this.unavailable(ctx, failure, record.id);
      state = 'gone';
    }
    const settled = settledStatus(state);
    if (settled === null) throw providerUnavailable();
    return this.settle(tx, record, settled, settled === 'MAX_ATTEMPTS_REACHED' ? MAX_CHECK_ATTEMPTS : null);
  }

  private async recordSend(
    tx: Transaction,
    record: PhoneVerificationRecord,
    channel: PhoneChannel,
    outcome: SendOutcome,
    at: Date,
  ): Promise<void> {
    await store.recordSendAttempt(tx.manager, {
      accountId: record.accountId,
      verificationId: record.id,
      channel,
      outcome,
      at,
    });
  }

  /** The caller's error for a send Twilio refused. */
  private sendRefusal(
    ctx: RequestContext,
    failure: TwilioProviderError,
    verificationId: string,
    at: { field: 'phoneNumber' | 'channel'; now: Date; expiresAt: Date },
  ): AppError {
    switch (failure.twilioCode) {
      case TwilioErrorCode.MaxSendAttemptsReached:
        return new AppError(
          ErrorCode.RATE_LIMITED,
          'Too many codes sent to this number; wait before asking again',
          {
            retryAfterSeconds: retryAfterSeconds(at.expiresAt, at.now),
          },
        );
      case TwilioErrorCode.InvalidParameter:
        return badInput('The provider cannot send a code to this number over this channel', at.field);
      case TwilioErrorCode.DeliveryBlockedByFraudGuard:
        return new AppError(ErrorCode.PROVIDER_ERROR, 'The provider blocks delivery to this number');
      default:
        return this.unavailable(ctx, failure, verificationId);
    }
  }

  private unavailable(ctx: RequestContext, failure: TwilioProviderError, verificationId: string): AppError {
    ctx.logger.warn(
      {
        verificationId,
        twilioCode: failure.twilioCode,
        httpStatus: failure.httpStatus,
        retryable: failure.retryable,
      },
      'Twilio call failed',
    );
    return providerUnavailable();
  }
}

function asProviderError(error: unknown): TwilioProviderError {
  if (error instanceof TwilioProviderError) return error;
  throw error;
}

function sendOutcomeOf(failure: TwilioProviderError): SendOutcome {
  switch (failure.twilioCode) {
    case TwilioErrorCode.MaxSendAttemptsReached:
      return 'RATE_LIMITED';
    case TwilioErrorCode.DeliveryBlockedByFraudGuard:
      return 'BLOCKED';
    case TwilioErrorCode.InvalidParameter:
      return 'REJECTED';
    default:
      return 'FAILED';
  }
}
