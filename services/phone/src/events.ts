import { applyOnly, type Clock, type ConsumerSpec, type Transaction } from '@attestor/platform';
import type { PhoneVerificationRecord } from './store/entities.js';
import type { PhoneVerificationStore } from './store/verifications.js';

/** The phone verification events, by what happened. */
export type VerificationEvent = 'started' | 'resent' | 'approved' | 'failed' | 'expired' | 'canceled';

/**
 * Publishes what just happened to a verification, inside the transaction that wrote it. Every event
 * carries what the fraud engine's conversion counters need — country, channel, messages sent so far
 * and the keyed hashes of the number's prefixes — and never the number (`approved` carries it sealed).
 */
export async function publishVerificationEvent(
  tx: Pick<Transaction, 'publish'>,
  event: VerificationEvent,
  record: PhoneVerificationRecord,
): Promise<void> {
  const subject = { accountId: record.accountId, subjectId: record.id };
  const base = {
    inquiryId: record.inquiryId,
    countryCode: record.countryCode,
    channel: record.channel,
    sendCount: record.sendAttempts,
    prefixHashes: record.prefixHashes,
  };
  switch (event) {
    case 'started':
    case 'resent':
    case 'expired':
    case 'canceled':
      await tx.publish(`phone.verification.${event}`, { ...subject, data: base });
      return;
    case 'approved':
      if (record.phoneSealed === null)
        throw new Error(`approved verification ${record.id} has no phone number`);
      await tx.publish('phone.verification.approved', {
        ...subject,
        data: { ...base, phoneNumberSealed: record.phoneSealed },
      });
      return;
    case 'failed':
      if (
        record.status !== 'BLOCKED' &&
        record.status !== 'MAX_ATTEMPTS_REACHED' &&
        record.status !== 'FAILED'
      ) {
        throw new Error(`verification ${record.id} is ${record.status}, not a failure`);
      }
      await tx.publish('phone.verification.failed', {
        ...subject,
        data: { ...base, status: record.status, reason: record.statusReason ?? record.status },
      });
      return;
  }
}

/** The event a verification's move into `status` publishes, if any (a CHALLENGED one publishes none). */
export function eventOfStatus(status: PhoneVerificationRecord['status']): VerificationEvent | null {
  switch (status) {
    case 'APPROVED':
      return 'approved';
    case 'EXPIRED':
      return 'expired';
    case 'CANCELED':
      return 'canceled';
    case 'BLOCKED':
    case 'MAX_ATTEMPTS_REACHED':
    case 'FAILED':
      return 'failed';
    case 'PENDING':
    case 'CHALLENGED':
      return null;
  }
}

/** What the phone service does with other services' events: erase numbers when an inquiry is redacted. */
export function phoneConsumers(store: PhoneVerificationStore, clock: Clock): ConsumerSpec[] {
  return [
    {
      // Only redactions: a filter of `inquiry.>` had every inquiry event of every flow delivered here
      // and dropped (a JSON and schema parse each), for nothing.
      name: 'inquiry-redactions',
      filter: 'inquiry.redacted.>',
      handlers: {
        'inquiry.redacted': applyOnly(async (event, tx, context) => {
          // The inquiry is the event's subject; the account keeps one tenant's event off another's rows.
          const redacted = await store.redactInquiry(
            tx.manager,
            event.accountId,
            event.subjectId,
            redactionTime(event.data.redactedAt, clock.now()),
          );
          context.logger.info(
            { inquiryId: event.subjectId, redacted },
            'phone numbers of a redacted inquiry erased',
          );
        }),
      },
    },
  ];
}

function redactionTime(redactedAt: string, fallback: Date): Date {
  const at = new Date(redactedAt);
  return Number.isNaN(at.getTime()) ? fallback : at;
}
