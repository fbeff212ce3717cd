import { accountOf, badInput, mayAccessInquiry, notFound, type RequestContext } from '@attestor/platform';
import { uuidv7, type PhoneChannel } from '@attestor/contracts';
import { readSolution, solutionProblemMessages } from '../domain/challenge.js';
import { phoneStepRefusal } from '../domain/inquiry.js';
import {
  friendlyNameOf,
  isDefaultCountryWellFormed,
  isLocaleWellFormed,
  readPhoneNumber,
  type PhoneNumber,
} from '../domain/inputs.js';
import { planStart } from '../domain/start.js';
import type { InquiryFacts } from '../rpc.js';
import type { PhoneVerificationRecord } from '../store/entities.js';
import type { CancelVerification } from './cancel.js';
import type { ClaimHandle } from './claims.js';
import type { FlowDeps } from './deps.js';
import type { ResendVerification } from './resend.js';
import { decideAndSend } from './send.js';
import type { VerificationWrites } from './writes.js';

export interface StartRequest {
  inquiryId: string;
  phoneNumber: string;
  channel: PhoneChannel;
  locale: string | null;
  /** The country a national number is read in (else the inquiry's phone country). */
  defaultCountry: string | null;
  challengeSolution: string | null;
}

/**
 * startPhoneVerification. Inputs are checked before anything leaves the service; the inquiry must be
 * open (the inquiry service's word, and this service's own: a failed verification fails the inquiry);
 * then, as the one start in progress for the inquiry, the inquiry's verifications decide: a repeat is
 * answered as it is, the same number is a resend, another number cancels the active verification
 * first, and otherwise a new verification is created — PENDING, CHALLENGED or BLOCKED.
 */
export class StartVerification {
  constructor(
    private readonly deps: FlowDeps,
    private readonly writes: VerificationWrites,
    private readonly resend: ResendVerification,
    private readonly cancel: CancelVerification,
  ) {}

  async run(ctx: RequestContext, request: StartRequest): Promise<PhoneVerificationRecord> {
    const { deps } = this;
    const accountId = accountOf(ctx.caller);
    if (!mayAccessInquiry(ctx.caller, request.inquiryId)) throw notFound('Inquiry');
    if (request.locale !== null && !isLocaleWellFormed(request.locale)) {
      throw badInput('locale must look like "en" or "pt-BR"', 'locale');
    }
    if (request.defaultCountry !== null && !isDefaultCountryWellFormed(request.defaultCountry)) {
      throw badInput(
        'defaultCountry must be an ISO 3166 alpha-2 country code, e.g. US or GB',
        'defaultCountry',
      );
    }
    if (request.challengeSolution !== null && readSolution(request.challengeSolution) === null) {
      throw badInput(solutionProblemMessages.unreadable, 'challengeSolution');
    }
    // A number that needs no country from the inquiry is read (and refused) before anything is asked.
    const readAlone =
      request.defaultCountry !== null || request.phoneNumber.trim().startsWith('+')
        ? readPhoneNumber(request.phoneNumber, request.defaultCountry)
        : null;
    if (readAlone !== null && !readAlone.ok) throw badInput(readAlone.message, 'phoneNumber');

    // The inquiry is asked while the start claims it (they do not depend on each other).
    const asked = deps.asks.inquiry(accountId, request.inquiryId).then((inquiry) => {
      if (inquiry === null || inquiry.accountId !== accountId) throw notFound('Inquiry');
      const refusal = phoneStepRefusal(
        { ...inquiry, expiresAt: new Date(inquiry.expiresAt) },
        deps.clock.now(),
      );
      if (refusal !== null) throw badInput(refusal, 'inquiryId');
      const read = readAlone ?? readPhoneNumber(request.phoneNumber, inquiry.phoneCountryCode);
      if (!read.ok) throw badInput(read.message, 'phoneNumber');
      return { inquiry, phone: read.number, phoneHash: deps.pii.hash(read.number.e164) };
    });
    asked.catch(() => undefined); // awaited below; a refusal must not go unhandled while the claim is awaited

    return deps.claims.inquiry(accountId, request.inquiryId, async (claim) => {
      const [{ inquiry, phone, phoneHash }, existing] = await Promise.all([
        asked,
        deps.store.ofInquiry(deps.store.reader, accountId, request.inquiryId),
      ]);
      const plan = planStart(existing, {
        phoneHash,
        channel: request.channel,
        withSolution: request.challengeSolution !== null,
        now: deps.clock.now(),
        repeatWindowMs: deps.config.START_REPEAT_WINDOW_SECONDS * 1000,
      });
      switch (plan.kind) {
        case 'refuse':
          throw badInput(plan.message, 'inquiryId');
        case 'repeat':
          return plan.verification;
        case 'resend':
          return this.resend.run(ctx, plan.verification.id, {
            channel: request.channel,
            challengeSolution: request.challengeSolution,
          });
        case 'replace':
          await this.cancel.run(ctx, plan.verification.id);
          break;
        case 'create':
          break;
      }
      if (request.challengeSolution !== null) {
        throw badInput(solutionProblemMessages['not-challenged'], 'challengeSolution');
      }
      return this.create(ctx, accountId, inquiry, phone, phoneHash, request, claim);
    });
  }

  private async create(
    ctx: RequestContext,
    accountId: string,
    inquiry: InquiryFacts,
    phone: PhoneNumber,
    phoneHash: string,
    request: StartRequest,
    claim: ClaimHandle,
  ): Promise<PhoneVerificationRecord> {
    const { deps, writes } = this;
    const id = uuidv7();
    const ttlMs = deps.config.VERIFICATION_TTL_SECONDS * 1000;
    const phoneSealed = deps.pii.seal(phone.e164);
    const friendlyName = friendlyNameOf(inquiry.accountName);
    const result = await decideAndSend(deps, ctx, {
      accountId,
      inquiryId: request.inquiryId,
      verificationId: id,
      phoneSealed,
      countryCode: phone.countryCode,
      channel: request.channel,
      locale: request.locale,
      friendlyName,
      attempt: 'START',
      challengeSolved: false,
      expiresAt: new Date(deps.clock.now().getTime() + ttlMs),
      field: 'phoneNumber',
    });
    if (result.kind === 'refused') throw result.error;
    const now = deps.clock.now();
    const record: PhoneVerificationRecord = {
      id,
      accountId,
      inquiryId: request.inquiryId,
      phoneSealed,
      phoneHash,
      phoneMasked: phone.masked,
      prefixHashes: phone.prefixes.map((prefix) => deps.pii.hash(prefix)),
      countryCode: phone.countryCode,
      channel: request.channel,
      status: 'PENDING',
      locale: request.locale,
      friendlyName,
      providerSid: null,
      checkAttempts: 0,
      sendAttempts: 0,
      riskAssessmentId: result.assessmentId,
      riskAssessmentSkipped: result.assessmentSkipped,
      statusReason: null,
      challenge: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlMs),
      lastAttemptAt: now,
      approvedAt: null,
      redactedAt: null,
      claimToken: null,
      claimedUntil: null,
    };
    const sent = (outcome: 'SENT' | 'BLOCKED') => ({ outcome, channel: request.channel });
    switch (result.kind) {
      case 'sent':
        return writes.create(
          ctx,
          { ...record, providerSid: result.verification.sid, sendAttempts: 1 },
          'code-sent',
          { event: 'started', sent: sent('SENT') },
          claim,
        );
      case 'challenged':
        return writes.create(
          ctx,
          { ...record, status: 'CHALLENGED', challenge: result.challenge, statusReason: result.reason },
          'challenged',
          {},
          claim,
        );
      case 'blocked':
        return writes.create(
          ctx,
          { ...record, status: 'BLOCKED', statusReason: result.reason },
          'send-refused',
          {
            event: 'failed',
            sent: result.attempt === null ? null : sent('BLOCKED'),
          },
          claim,
        );
    }
  }
}
