import {
  AppError,
  badInput,
  ErrorCode,
  requireReadScope,
  type ReadScope,
  type RequestContext,
} from '@attestor/platform';
import type { PhoneChannel } from '@attestor/contracts';
import {
  activeStatuses,
  hasExpired,
  MAX_SENDS,
  SEND_WINDOW_MS,
  sendLimitWaitSeconds,
} from '../domain/verification.js';
import type { PhoneVerificationRecord } from '../store/entities.js';
import type { ClaimHandle } from './claims.js';
import { VERIFICATION, type FlowDeps } from './deps.js';
import { decideAndSend } from './send.js';
import { endAtTwilio, notActionable, reread, requireVerificationId } from './shared.js';
import type { VerificationWrites } from './writes.js';

export interface ResendRequest {
  /** Another channel (SMS → CALL / WHATSAPP), or null for the verification's own. */
  channel: PhoneChannel | null;
  /** The solved proof of work of a CHALLENGED verification. */
  challengeSolution: string | null;
}

/**
 * resendPhoneVerification, and a start with the number already being verified: every send passes the
 * fraud engine again — once within Verify's 5 sends per 10 minutes, which are counted here first. ALLOW
 * sends (Twilio re-sends the same code while its verification is pending); CHALLENGE moves it to
 * CHALLENGED; BLOCK ends it BLOCKED.
 */
export class ResendVerification {
  constructor(
    private readonly deps: FlowDeps,
    private readonly writes: VerificationWrites,
  ) {}

  async run(
    ctx: RequestContext,
    verificationId: string,
    request: ResendRequest,
  ): Promise<PhoneVerificationRecord> {
    const scope = requireReadScope(ctx.caller);
    const id = requireVerificationId(verificationId);
    return this.deps.claims.verification(
      scope,
      id,
      activeStatuses,
      (record, claim) => this.resend(ctx, scope, record, claim, request),
      notActionable,
    );
  }

  private async resend(
    ctx: RequestContext,
    scope: ReadScope,
    claimed: PhoneVerificationRecord,
    claim: ClaimHandle,
    request: ResendRequest,
  ): Promise<PhoneVerificationRecord> {
    const { deps, writes } = this;
    let record = claimed;
    const phoneSealed = record.phoneSealed;
    if (record.redactedAt !== null || phoneSealed === null) {
      throw badInput(`${VERIFICATION} has been redacted`, 'verificationId');
    }
    if (hasExpired(record.expiresAt, deps.clock.now())) {
      const expired = await writes.settle(
        ctx,
        record,
        claim,
        { challenge: null },
        { to: 'EXPIRED', cause: 'expired' },
        { event: 'expired' },
      );
      return expired ?? reread(deps, scope, record.id);
    }
    const channel = request.channel ?? record.channel;
    await this.withinSendLimit(ctx, record, claim, channel);
    let challengeSolved = false;
    if (request.challengeSolution !== null) {
      const checked = await deps.challenges.check(request.challengeSolution, record.challenge, record.id);
      if (!checked.ok) throw badInput(checked.message, 'challengeSolution');
      // Used up now, before anything is sent: the same solution never counts twice.
      if (
        !(await deps.store.consumeChallenge(deps.store.reader, record, claim.token, checked.solution.salt))
      ) {
        throw badInput('challengeSolution answers a challenge already used', 'challengeSolution');
      }
      record = { ...record, challenge: null };
      challengeSolved = true;
    }
    const result = await decideAndSend(deps, ctx, {
      accountId: record.accountId,
      inquiryId: record.inquiryId,
      verificationId: record.id,
      phoneSealed,
      countryCode: record.countryCode,
      channel,
      locale: record.locale,
      friendlyName: record.friendlyName,
      attempt: record.providerSid === null ? 'START' : 'RESEND',
      challengeSolved,
      expiresAt: record.expiresAt,
      field: 'channel',
    });
    const now = deps.clock.now();
    const assessment = {
      riskAssessmentId: result.assessmentId ?? record.riskAssessmentId,
      riskAssessmentSkipped: result.assessmentSkipped,
    };
    let written: PhoneVerificationRecord | null;
    switch (result.kind) {
      case 'refused':
        await writes.refusedSend(ctx, record, claim, { outcome: result.attempt, channel });
        throw result.error;
      case 'sent': {
        const sid = result.verification.sid;
        // Twilio had ended the old verification and started a new one: a new code, a new validity.
        const renewed = sid !== record.providerSid;
        written = await writes.settle(
          ctx,
          record,
          claim,
          {
            ...assessment,
            channel,
            providerSid: sid,
            sendAttempts: record.sendAttempts + 1,
            lastAttemptAt: now,
            statusReason: null,
            challenge: null,
            expiresAt: renewed
              ? new Date(now.getTime() + deps.config.VERIFICATION_TTL_SECONDS * 1000)
              : record.expiresAt,
          },
          record.status === 'PENDING' ? null : { to: 'PENDING', cause: 'code-sent' },
          { event: record.sendAttempts === 0 ? 'started' : 'resent', sent: { outcome: 'SENT', channel } },
        );
        break;
      }
      case 'challenged':
        written = await writes.settle(
          ctx,
          record,
          claim,
          { ...assessment, challenge: result.challenge, statusReason: result.reason, lastAttemptAt: now },
          record.status === 'CHALLENGED' ? null : { to: 'CHALLENGED', cause: 'challenged' },
        );
        break;
      case 'blocked':
        written = await writes.settle(
          ctx,
          record,
          claim,
          { ...assessment, challenge: null, statusReason: result.reason, lastAttemptAt: now },
          { to: 'BLOCKED', cause: 'send-refused' },
          { event: 'failed', sent: result.attempt === null ? null : { outcome: result.attempt, channel } },
        );
        if (written !== null) await endAtTwilio(deps, ctx, written);
        break;
    }
    return written ?? reread(deps, scope, record.id);
  }

  /**
   * Verify's own limit, kept here before the fraud engine is asked: a sixth code within 10 minutes is
   * RATE_LIMITED (the attempt recorded, the verification as it was, its code still good) — not a
   * fraud refusal that would end the verification of a user who asked once too often.
   */
  private async withinSendLimit(
    ctx: RequestContext,
    record: PhoneVerificationRecord,
    claim: ClaimHandle,
    channel: PhoneChannel,
  ): Promise<void> {
    const { deps, writes } = this;
    if (record.sendAttempts < MAX_SENDS) return;
    const now = deps.clock.now();
    const since = new Date(now.getTime() - SEND_WINDOW_MS);
    const wait = sendLimitWaitSeconds(
      await deps.store.sentSince(deps.store.reader, record.accountId, record.id, since),
      now,
    );
    if (wait === null) return;
    await writes.refusedSend(ctx, record, claim, { outcome: 'RATE_LIMITED', channel });
    throw new AppError(
      ErrorCode.RATE_LIMITED,
      `${MAX_SENDS} codes were sent for this verification in the last 10 minutes: enter the last one, or ask again in ${wait} s`,
      { retryAfterSeconds: wait },
    );
  }
}
