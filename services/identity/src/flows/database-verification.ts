import type { HandlerContext, PiiCipher, Transaction } from '@attestor/platform';
import { uuidv7, type EventData, type EventEnvelope } from '@attestor/contracts';
import {
  TwilioErrorCode,
  TwilioProviderError,
  type LookupProvider,
  type LookupResult,
} from '@attestor/twilio';
import { combineEvidence, EvidenceReason, type Verdict } from '../domain/evidence.js';
import { compareNames, type NameInput } from '../domain/names.js';
import type { InquiryAsks } from '../rpc.js';
import type { DatabaseVerificationStore } from '../store/database-verifications.js';
import type { CarrierIdentityMatch, DatabaseVerificationRow } from '../store/entities.js';

type ApprovedEvent = EventEnvelope<EventData<'phone.verification.approved'>>;

/** The reference name comes from the carrier's CNAM record through Lookup caller_name. */
export const PHONE_CARRIER = 'PHONE_CARRIER';

/** Why a database verification FAILED (the step ends; the inquiry goes to review). */
export const FailureReason = {
  NO_NAME_ON_INQUIRY: 'NO_NAME_ON_INQUIRY',
  LOOKUP_UNAVAILABLE: 'LOOKUP_UNAVAILABLE',
  LOOKUP_CREDENTIALS_REFUSED: 'LOOKUP_CREDENTIALS_REFUSED',
} as const;

/** What the gather phase found: nothing to do, the carrier's answer to compare, or why the step failed. */
export type Gathered =
  | { kind: 'skip'; why: string }
  | { kind: 'compare'; name: NameInput; carrier: LookupResult | null; noData: string | null }
  | { kind: 'fail'; reason: string };

/** Twilio refused our credentials: an operator must fix the config. */
const credentialsRefused = (error: TwilioProviderError) =>
  error.httpStatus === 401 ||
  error.httpStatus === 403 ||
  error.twilioCode === TwilioErrorCode.AuthenticationFailed;

/**
 * The DATABASE_NAME_MATCH step: once an inquiry's phone number is verified, ask the carrier (Lookup
 * caller_name, and identity_match where the template asks for it) whose number it is and compare that
 * name with the inquiry's ID name. Two phases: `gather` asks the inquiry service and Twilio outside
 * any transaction (a failing Lookup is retried with the bus's backoff, and on the last delivery the
 * step FAILS with the reason: an inquiry never hangs); `apply` stores the comparison and publishes it
 * in one short transaction.
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
    if (!(name.first?.trim() || name.last?.trim())) {
      context.logger.warn({ inquiryId }, 'inquiry asks for a name match but holds no name; recorded FAILED');
      return { kind: 'fail', reason: FailureReason.NO_NAME_ON_INQUIRY };
    }
    try {
      const carrier = await lookup.lookup(pii.open(event.data.phoneNumberSealed), {
        fields: inquiry.identityMatch ? ['caller_name', 'identity_match'] : ['caller_name'],
        ...(inquiry.identityMatch
          ? {
              identity: {
                ...(name.first ? { firstName: name.first } : {}),
                ...(name.last ? { lastName: name.last } : {}),
              },
            }
          : {}),
      });
      return { kind: 'compare', name, carrier, noData: noNameReason(carrier) };
    } catch (error) {
      if (!(error instanceof TwilioProviderError)) throw error;
      if (error.retryable || credentialsRefused(error)) {
        // Retried with backoff by the bus; on the last delivery the step ends instead of waiting forever.
        if (!context.lastAttempt) throw error;
        context.logger.warn(
          { inquiryId, twilioCode: error.twilioCode, httpStatus: error.httpStatus },
          'Lookup kept failing; the database verification FAILED',
        );
        return {
          kind: 'fail',
          reason: credentialsRefused(error)
            ? FailureReason.LOOKUP_CREDENTIALS_REFUSED
            : FailureReason.LOOKUP_UNAVAILABLE,
        };
      }
      context.logger.info({ inquiryId, twilioCode: error.twilioCode }, 'Lookup knows nothing of the number');
      return { kind: 'compare', name, carrier: null, noData: EvidenceReason.NUMBER_UNKNOWN };
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
    const now = new Date();
    const row: DatabaseVerificationRow = {
      id: uuidv7(),
      accountId,
      inquiryId,
      phoneVerificationId: event.subjectId,
      status: 'FAILED',
      source: PHONE_CARRIER,
      result: null,
      nameMatch: null,
      failureReason: null,
      createdAt: now,
      completedAt: now,
      redactedAt: null,
    };
    let verdict: Verdict | null = null;
    if (gathered.kind === 'fail') {
      row.failureReason = gathered.reason;
    } else {
      const callerName = gathered.noData === null ? gathered.carrier?.callerName?.callerName?.trim() : null;
      const comparison = callerName ? compareNames(gathered.name, { full: callerName }) : null;
      verdict = combineEvidence(comparison, gathered.noData, identityMatchOf(gathered.carrier));
      row.status = 'COMPLETED';
      row.result = verdict.result;
      row.nameMatch = {
        ...(comparison ?? { first: null, last: null }),
        result: verdict.result,
        score: verdict.score ?? 0,
        reasons: verdict.reasons,
        identityMatch: identityMatchOf(gathered.carrier),
      };
    }
    await this.deps.store.insert(tx.manager, row);
    await tx.publish('identity.database-verification.completed', {
      accountId,
      subjectId: row.id,
      data: {
        inquiryId,
        status: row.status === 'COMPLETED' ? 'COMPLETED' : 'FAILED',
        nameMatch: row.result,
        score: verdict?.score ?? null,
        reasons: verdict?.reasons ?? (row.failureReason ? [row.failureReason] : []),
      },
    });
  }
}

/** Why the carrier's answer holds no name to compare, or null when it does. */
function noNameReason(carrier: LookupResult): string | null {
  const caller = carrier.callerName;
  if (!caller?.callerName?.trim()) return EvidenceReason.NO_CALLER_NAME;
  if (caller.callerType === 'BUSINESS') return EvidenceReason.BUSINESS_LINE;
  return null;
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
