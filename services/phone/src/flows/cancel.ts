import { requireReadScope, type RequestContext } from '@attestor/platform';
import { twilioOutcomeTable } from '../domain/provider.js';
import { activeStatuses } from '../domain/verification.js';
import type { PhoneVerificationRecord } from '../store/entities.js';
import type { FlowDeps } from './deps.js';
import { isFailure } from './provider.js';
import { logProviderFailure, providerUnavailable } from './send.js';
import { notActionable, reread, requireVerificationId } from './shared.js';
import type { VerificationWrites } from './writes.js';

/**
 * cancelPhoneVerification, and the first half of a start with another number: Verify is told
 * (Status=canceled) before the verification is settled CANCELED, so a canceled code never works.
 * A redacted verification can still be canceled.
 */
export class CancelVerification {
  constructor(
    private readonly deps: FlowDeps,
    private readonly writes: VerificationWrites,
  ) {}

  async run(ctx: RequestContext, verificationId: string): Promise<PhoneVerificationRecord> {
    const scope = requireReadScope(ctx.caller);
    const id = requireVerificationId(verificationId);
    return this.deps.claims.verification(
      scope,
      id,
      activeStatuses,
      async (record, claim) => {
        if (record.providerSid !== null) {
          const outcome = await this.deps.verify.cancel(record.providerSid);
          if (isFailure(outcome) && twilioOutcomeTable[outcome.kind].cancel.kind !== 'ended') {
            logProviderFailure(ctx, outcome, record.id);
            throw providerUnavailable();
          }
        }
        const canceled = await this.writes.settle(
          ctx,
          record,
          claim,
          { statusReason: null, challenge: null },
          { to: 'CANCELED', cause: 'canceled' },
          { event: 'canceled' },
        );
        return canceled ?? reread(this.deps, scope, id);
      },
      notActionable,
    );
  }
}
