import type { HandlerContext, PiiCipher, Transaction } from '@attestor/platform';
import { uuidv7, type EventData, type EventEnvelope } from '@attestor/contracts';
import { TwilioProviderError, type LookupProvider, type LookupResult } from '@attestor/twilio';
import { compareNames, type NameComparison, type NameInput } from '../domain/names.js';
import type { InquiryAsks } from '../rpc.js';
import type { DatabaseVerificationStore } from '../store/database-verifications.js';
import type { CarrierIdentityMatch, DatabaseVerificationRow } from '../store/entities.js';

type ApprovedEvent = EventEnvelope<EventData<'phone.verification.approved'>>;

/** The reference name comes from the carrier's CNAM record through Lookup caller_name. */
export const PHONE_CARRIER = 'PHONE_CARRIER';

/** Twilio refused our credentials: an operator must fix the config, so the event waits (parked) for a replay. */
const credentialsRefused = (error: TwilioProviderError) =>
  error.httpStatus === 401 || error.httpStatus === 403 || error.twilioCode === 20003;

/** What the gather phase found: nothing to do, or the comparison to record. */
export type Gathered =
  | { kind: 'skip'; why: string }
  | {
      kind: 'record';
      name: NameInput;
      carrier: LookupResult | null;
    };

/**
 * The DATABASE_NAME_MATCH step: once an inquiry's phone number is verified, ask the carrier (Lookup
 * caller_name, identity_match) whose number it is and compare that name with the inquiry's ID name.
 * Two phases: `gather` asks the inquiry service and Twilio outside any transaction; `apply` stores
 * the comparison and publishes it in one short transaction.
 */
export class DatabaseVerification {
  constructor(
    private readonly deps: {
      pii: PiiCipher;
      lookup: LookupProvider;
      store: DatabaseVerificationStore;
      inquiries: InquiryAsks;
    },
  ) {}

  async gather(event: ApprovedEvent, context: HandlerContext): Promise<Gathered> {
    const { pii, lookup, store, inquiries } = this.deps;
    const { accountId } = event;
    const { inquiryId } = event.data;
    if (await store.ofInquiry(store.reader, accountId, inquiryId)) {
      return { kind: 'skip', why: 'inquiry already has its database verification' };
    }
    const inquiry = await inquiries.lookup(accountId, inquiryId);
    if (!inquiry) return { kind: 'skip', why: 'unknown inquiry' };
    if (inquiry.redacted) return { kind: 'skip', why: 'inquiry redacted' };
    if (!inquiry.steps.includes('DATABASE_NAME_MATCH')) return { kind: 'skip', why: 'no name match step' };
    const name = {
      first: pii.openNullable(inquiry.nameSealed?.first),
      middle: pii.openNullable(inquiry.nameSealed?.middle),
      last: pii.openNullable(inquiry.nameSealed?.last),
    };
    // Without a name there is nothing to compare: recorded FAILED so the inquiry goes on instead of
    // waiting for its expiry.
    const hasName = Boolean(name.first?.trim() || name.last?.trim());
    if (!hasName) {
      context.logger.warn({ inquiryId }, 'inquiry asks for a name match but holds no name; recorded FAILED');
      return { kind: 'record', name, carrier: null };
    }
    try {
      const carrier = await lookup.lookup(pii.open(event.data.phoneNumberSealed), {
        fields: ['caller_name', 'identity_match'],
        identity: {
          ...(name.first ? { firstName: name.first } : {}),
          ...(name.last ? { lastName: name.last } : {}),
        },
      });
      return { kind: 'record', name, carrier };
    } catch (error) {
      // Retryable failures and refused credentials throw: the bus retries, then parks for an operator.
      if (!(error instanceof TwilioProviderError) || error.retryable || credentialsRefused(error))
        throw error;
      context.logger.warn(
        { inquiryId, twilioCode: error.twilioCode },
        'Lookup refused the number; no caller name',
      );
      return { kind: 'record', name, carrier: null };
    }
  }

  async apply(
    event: ApprovedEvent,
    gathered: Gathered,
    tx: Transaction,
    context: HandlerContext,
  ): Promise<void> {
    const { accountId } = event;
    const { inquiryId } = event.data;
    if (gathered.kind === 'skip') {
      context.logger.debug({ inquiryId, why: gathered.why }, 'no database verification');
      return;
    }
    // Another approval of the same inquiry may have been applied between gather and now.
    if (await this.deps.store.ofInquiry(tx.manager, accountId, inquiryId)) return;
    const { carrier } = gathered;
    const callerName = carrier?.callerName?.callerName?.trim() || null;
    const comparison: NameComparison | null = callerName
      ? compareNames(gathered.name, { full: callerName })
      : null;
    const now = new Date();
    const row: DatabaseVerificationRow = {
      id: uuidv7(),
      accountId,
      inquiryId,
      phoneVerificationId: event.subjectId,
      status: comparison ? 'COMPLETED' : 'FAILED',
      source: PHONE_CARRIER,
      result: comparison?.result ?? null,
      nameMatch: comparison && { ...comparison, identityMatch: identityMatchOf(carrier) },
      createdAt: now,
      completedAt: now,
      redactedAt: null,
    };
    await this.deps.store.insert(tx.manager, row);
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
