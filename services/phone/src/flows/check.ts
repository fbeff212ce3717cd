import { badInput, requireReadScope, type ReadScope, type RequestContext } from '@attestor/platform';
import type { CheckOutcome } from '@attestor/twilio';
import { readCode } from '../domain/inputs.js';
import { MAX_CHECK_ATTEMPTS_REASON, settledStatus, twilioOutcomeTable } from '../domain/provider.js';
import {
  checkableStatuses,
  hasExpired,
  MAX_CHECK_ATTEMPTS,
  type TransitionCause,
  type VerificationStatus,
} from '../domain/verification.js';
import { eventOfStatus } from '../events.js';
import type { PhoneVerificationRecord } from '../store/entities.js';
import type { ClaimHandle } from './claims.js';
import { VERIFICATION, type FlowDeps } from './deps.js';
import { isFailure } from './provider.js';
import { logProviderFailure, providerUnavailable } from './send.js';
import { endAtTwilio, notActionable, reread, requireVerificationId } from './shared.js';
import type { VerificationWrites } from './writes.js';

const causeOf: Partial<Record<VerificationStatus, TransitionCause>> = {
  APPROVED: 'code-approved',
  MAX_ATTEMPTS_REACHED: 'out-of-checks',
  CANCELED: 'canceled',
  EXPIRED: 'expired',
  FAILED: 'provider-failed',
};

/**
 * checkPhoneVerification. One check at a time per verification (the claim), so concurrent checks
 * count one attempt each and the right code approves once; the fifth wrong code ends it
 * MAX_ATTEMPTS_REACHED. A check of an APPROVED verification answers it, whatever the code; an ended
 * one answers with its status and Twilio is not asked.
 */
export class CheckVerification {
  constructor(
    private readonly deps: FlowDeps,
    private readonly writes: VerificationWrites,
  ) {}

  async run(ctx: RequestContext, verificationId: string, entered: string): Promise<PhoneVerificationRecord> {
    const scope = requireReadScope(ctx.caller);
    const code = readCode(entered);
    if (code === null) throw badInput('code must be 4 to 10 digits', 'code');
    const id = requireVerificationId(verificationId);
    return this.deps.claims.verification(
      scope,
      id,
      checkableStatuses,
      (record, claim) => this.check(ctx, scope, record, claim, code),
      (current) => (current?.status === 'APPROVED' ? current : notActionable(current)),
    );
  }

  private async check(
    ctx: RequestContext,
    scope: ReadScope,
    record: PhoneVerificationRecord,
    claim: ClaimHandle,
    code: string,
  ): Promise<PhoneVerificationRecord> {
    if (record.redactedAt !== null) throw badInput(`${VERIFICATION} has been redacted`, 'verificationId');
    if (hasExpired(record.expiresAt, this.deps.clock.now())) {
      return this.end(ctx, scope, record, claim, 'EXPIRED', null, 0);
    }
    if (record.providerSid === null) {
      throw badInput('No code has been sent yet: solve the challenge first', 'verificationId');
    }
    const outcome = await this.deps.verify.check(record.providerSid, code);
    if (!isFailure(outcome)) return this.checked(ctx, scope, record, claim, outcome);
    const effect = twilioOutcomeTable[outcome.kind].check;
    switch (effect.kind) {
      case 'settle':
        return this.end(ctx, scope, record, claim, effect.status, effect.reason, 0);
      case 'follow':
        return this.follow(ctx, scope, record, claim);
      case 'refuse':
        if (effect.error === 'BAD_USER_INPUT') throw badInput('Twilio refused this code', 'code');
        logProviderFailure(ctx, outcome, record.id);
        throw providerUnavailable();
    }
  }

  /** Twilio evaluated the code: approved, wrong (pending), or ended on its side. */
  private async checked(
    ctx: RequestContext,
    scope: ReadScope,
    record: PhoneVerificationRecord,
    claim: ClaimHandle,
    outcome: Extract<CheckOutcome, { kind: 'checked' }>,
  ): Promise<PhoneVerificationRecord> {
    const settled = settledStatus(outcome.verification.status);
    if (settled !== null) return this.end(ctx, scope, record, claim, settled, null, 1);
    const attempts = record.checkAttempts + 1;
    if (attempts >= MAX_CHECK_ATTEMPTS) {
      const ended = await this.end(
        ctx,
        scope,
        record,
        claim,
        'MAX_ATTEMPTS_REACHED',
        MAX_CHECK_ATTEMPTS_REASON,
        1,
      );
      await endAtTwilio(this.deps, ctx, ended);
      return ended;
    }
    const counted = await this.writes.settle(ctx, record, claim, { checkAttempts: attempts }, null);
    return counted ?? reread(this.deps, scope, record.id);
  }

  /** Twilio no longer knows the SID: ask what became of it, and follow. */
  private async follow(
    ctx: RequestContext,
    scope: ReadScope,
    record: PhoneVerificationRecord,
    claim: ClaimHandle,
  ): Promise<PhoneVerificationRecord> {
    const fetched = await this.deps.verify.fetch(record.providerSid ?? '');
    let settled: VerificationStatus | null;
    if (!isFailure(fetched)) settled = settledStatus(fetched.verification.status);
    else if (fetched.kind === 'not-found') settled = await this.howItEnded(ctx, record);
    else {
      logProviderFailure(ctx, fetched, record.id);
      throw providerUnavailable();
    }
    if (settled === null) throw providerUnavailable();
    return this.end(
      ctx,
      scope,
      record,
      claim,
      settled,
      settled === 'MAX_ATTEMPTS_REACHED' ? MAX_CHECK_ATTEMPTS_REASON : null,
      // The approving check was one of this verification's, its answer lost: it counts once.
      settled === 'APPROVED' ? 1 : 0,
    );
  }

  /**
   * A verification Twilio has deleted: it ended there, usually by expiring — or it was approved and
   * this service lost the answer (a check that timed out after Twilio approved the code, a process
   * that died before its settle). Twilio's Verify Attempts tell: `converted` means the right code was
   * given. Only when no other verification holds the same SID (two inquiries verifying one number
   * share Twilio's verification) is that approval this one's; otherwise it ends EXPIRED.
   */
  private async howItEnded(
    ctx: RequestContext,
    record: PhoneVerificationRecord,
  ): Promise<VerificationStatus | null> {
    const expired = settledStatus('gone');
    if (record.providerSid === null) return expired;
    if (await this.deps.store.sharesProviderSid(this.deps.store.reader, record)) return expired;
    const conversion = await this.deps.verify.conversion(record.providerSid);
    if (isFailure(conversion)) {
      logProviderFailure(ctx, conversion, record.id);
      throw providerUnavailable();
    }
    if (!conversion.converted) return expired;
    ctx.logger.info(
      { verificationId: record.id },
      'Twilio approved this code on a check whose answer was lost',
    );
    return 'APPROVED';
  }

  private async end(
    ctx: RequestContext,
    scope: ReadScope,
    record: PhoneVerificationRecord,
    claim: ClaimHandle,
    status: VerificationStatus,
    reason: string | null,
    counted: 0 | 1,
  ): Promise<PhoneVerificationRecord> {
    const cause = causeOf[status];
    if (cause === undefined) throw new Error(`a check cannot end a verification ${status}`);
    const ended = await this.writes.settle(
      ctx,
      record,
      claim,
      { checkAttempts: record.checkAttempts + counted, statusReason: reason, challenge: null },
      { to: status, cause },
      { event: eventOfStatus(status) },
    );
    return ended ?? reread(this.deps, scope, record.id);
  }
}
