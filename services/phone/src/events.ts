import { applyOnly, type ConsumerSpec, type Transaction } from '@attestor/platform';
import type { PhoneVerificationRecord } from './store/entities.js';
import { verificationStore } from './store/verifications.js';

/**
 * Publishes the event of the status a verification has just reached (inside the transaction that
 * wrote it). PENDING is the start; every other status is an outcome with its own event type.
 */
export async function publishStatusChange(tx: Transaction, record: PhoneVerificationRecord): Promise<void> {
  const subject = { accountId: record.accountId, subjectId: record.id };
  const base = { inquiryId: record.inquiryId, countryCode: record.countryCode, channel: record.channel };
  switch (record.status) {
    case 'PENDING':
      await tx.publish('phone.verification.started', { ...subject, data: base });
      return;
    case 'APPROVED':
      if (record.phoneSealed === null)
        throw new Error(`approved verification ${record.id} has no phone number`);
      await tx.publish('phone.verification.approved', {
        ...subject,
        data: { ...base, phoneNumberSealed: record.phoneSealed },
      });
      return;
    case 'EXPIRED':
      await tx.publish('phone.verification.expired', { ...subject, data: base });
      return;
    case 'CANCELED':
      await tx.publish('phone.verification.canceled', { ...subject, data: base });
      return;
    case 'BLOCKED':
    case 'MAX_ATTEMPTS_REACHED':
    case 'FAILED':
      await tx.publish('phone.verification.failed', {
        ...subject,
        data: { ...base, status: record.status, reason: record.statusReason ?? record.status },
      });
      return;
  }
}

/** What the phone service does with other services' events: erase numbers when an inquiry is redacted. */
export function phoneConsumers(): ConsumerSpec[] {
  return [
    {
      name: 'inquiry-events',
      filter: 'inquiry.>',
      handlers: {
        'inquiry.redacted': applyOnly(async (event, tx, context) => {
          // The inquiry is the event's subject; the account keeps one tenant's event off another's rows.
          const redacted = await verificationStore.redactInquiry(
            tx.manager,
            event.accountId,
            event.subjectId,
            redactionTime(event.data.redactedAt, event.occurredAt),
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

function redactionTime(redactedAt: string, occurredAt: string): Date {
  const at = new Date(redactedAt);
  return Number.isNaN(at.getTime()) ? new Date(occurredAt) : at;
}
