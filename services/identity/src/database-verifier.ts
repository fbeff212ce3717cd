import {
  request,
  type HandlerContext,
  type NatsBus,
  type PiiCipher,
  type Transaction,
} from '@attestor/platform';
import { uuidv7, type EventData, type EventEnvelope } from '@attestor/contracts';
import { TwilioProviderError, type LookupProvider, type LookupResult } from '@attestor/twilio';
import { compareNames, type NameComparison } from './domain/names.js';
import type { DatabaseVerificationStore } from './store/database-verifications.js';
import type { CarrierIdentityMatch, DatabaseVerificationRow } from './store/entities.js';

type ApprovedEvent = EventEnvelope<EventData<'phone.verification.approved'>>;

/** The reference name comes from the carrier's CNAM record through Lookup caller_name. */
export const PHONE_CARRIER = 'PHONE_CARRIER';

/** Twilio refused our credentials: an operator must fix the config, so the event waits (parked) for a replay. */
const credentialsRefused = (error: TwilioProviderError) =>
  error.httpStatus === 401 || error.httpStatus === 403 || error.twilioCode === 20003;

/**
 * The DATABASE_NAME_MATCH step: once an inquiry's phone number is verified, ask the carrier (Lookup
 * caller_name, identity_match) whose number it is and compare that name with the inquiry's ID name.
 */
export class DatabaseVerifier {
  constructor(
    private readonly deps: {
      bus: NatsBus;
      pii: PiiCipher;
      lookup: LookupProvider;
      store: DatabaseVerificationStore;
      rpcTimeoutMs: number;
    },
  ) {}

  async onPhoneApproved(event: ApprovedEvent, tx: Transaction, context: HandlerContext): Promise<void> {
    const { bus, pii, lookup, store, rpcTimeoutMs } = this.deps;
    const { accountId } = event;
    const { inquiryId } = event.data;
    if (await store.ofInquiry(tx.manager, accountId, inquiryId)) {
      context.logger.debug({ inquiryId }, 'inquiry already has its database verification');
      return;
    }
    const { inquiry } = await request(
      bus,
      'rpc.inquiry.lookup',
      { accountId, inquiryId },
      { timeoutMs: rpcTimeoutMs, requestId: context.requestId },
    );
    if (!inquiry || inquiry.redacted || !inquiry.steps.includes('DATABASE_NAME_MATCH')) return;
    const name = {
      first: pii.openNullable(inquiry.nameSealed?.first),
      middle: pii.openNullable(inquiry.nameSealed?.middle),
      last: pii.openNullable(inquiry.nameSealed?.last),
    };
    // Without a name there is nothing to compare: record FAILED so the inquiry goes to review instead of
    // waiting for its expiry.
    const hasName = Boolean(name.first?.trim() || name.last?.trim());
    let carrier: LookupResult | null = null;
    if (!hasName) {
      context.logger.warn({ inquiryId }, 'inquiry asks for a name match but holds no name; recorded FAILED');
    } else {
      try {
        carrier = await lookup.lookup(pii.open(event.data.phoneNumberSealed), {
          fields: ['caller_name', 'identity_match'],
          identity: {
            ...(name.first ? { firstName: name.first } : {}),
            ...(name.last ? { lastName: name.last } : {}),
          },
        });
      } catch (error) {
        // Retryable failures and refused credentials throw: the bus retries, then parks for an operator.
        if (!(error instanceof TwilioProviderError) || error.retryable || credentialsRefused(error))
          throw error;
        context.logger.warn(
          { inquiryId, twilioCode: error.twilioCode },
          'Lookup refused the number; no caller name',
        );
      }
    }

    const callerName = carrier?.callerName?.callerName?.trim() || null;
    const comparison: NameComparison | null = callerName ? compareNames(name, { full: callerName }) : null;
    const row: DatabaseVerificationRow = {
      id: uuidv7(),
      accountId,
      inquiryId,
      phoneVerificationId: event.subjectId,
      status: comparison ? 'COMPLETED' : 'FAILED',
      source: PHONE_CARRIER,
      result: comparison?.result ?? null,
      nameMatch: comparison && { ...comparison, identityMatch: identityMatchOf(carrier) },
      createdAt: new Date(),
      completedAt: new Date(),
      redactedAt: null,
    };
    await store.insert(tx.manager, row);
    await tx.publish('identity.database-verification.completed', {
      accountId,
      subjectId: row.id,
      data: { inquiryId, status: row.status === 'COMPLETED' ? 'COMPLETED' : 'FAILED', nameMatch: row.result },
    });
  }
}

function identityMatchOf(carrier: LookupResult | null): CarrierIdentityMatch | null {
  const match = carrier?.identityMatch;
  if (!match) return null;
  return {
    firstNameMatch: match.firstNameMatch,
    lastNameMatch: match.lastNameMatch,
    summaryScore: match.summaryScore,
  };
}
