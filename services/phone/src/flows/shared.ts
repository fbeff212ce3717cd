import { badInput, notFound, type ReadScope, type RequestContext } from '@attestor/platform';
import { isUuid } from '@attestor/contracts';
import type { PhoneVerificationRecord } from '../store/entities.js';
import { VERIFICATION, type FlowDeps } from './deps.js';
import { isFailure } from './provider.js';

/** A verification id the caller gave: NOT_FOUND for one that cannot be an id, like one that does not exist. */
export function requireVerificationId(id: string): string {
  if (!isUuid(id)) throw notFound(VERIFICATION);
  return id;
}

/** The answer when a verification is not in a status the request can act on. */
export function notActionable(current: PhoneVerificationRecord | null): never {
  if (current === null) throw notFound(VERIFICATION);
  if (current.redactedAt !== null) throw badInput(`${VERIFICATION} has been redacted`, 'verificationId');
  throw badInput(`${VERIFICATION} is ${current.status}`, 'verificationId');
}

/** The verification as it is now, after a settle that lost its claim to another request. */
export async function reread(deps: FlowDeps, scope: ReadScope, id: string): Promise<PhoneVerificationRecord> {
  const current = await deps.store.find(deps.store.reader, scope, id);
  if (current === null) throw new Error(`verification ${id} vanished while it was being settled`);
  return current;
}

/**
 * Ends Twilio's side of a verification this service has ended (out of checks, blocked on a resend):
 * best effort, after the settle — the code can no longer be used here either way.
 */
export async function endAtTwilio(
  deps: FlowDeps,
  ctx: RequestContext,
  record: PhoneVerificationRecord,
): Promise<void> {
  if (record.providerSid === null) return;
  const outcome = await deps.verify.cancel(record.providerSid);
  if (isFailure(outcome) && outcome.kind !== 'not-found') {
    ctx.logger.warn(
      { verificationId: record.id, kind: outcome.kind },
      'could not end the verification at Twilio',
    );
  }
}
