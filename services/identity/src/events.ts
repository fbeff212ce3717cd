import { applyOnly, twoPhase, type ConsumerSpec } from '@attestor/platform';
import type { DatabaseVerification } from './flows/database-verification.js';
import type { DatabaseVerificationStore } from './store/database-verifications.js';

/** What the identity service consumes: verified numbers (to check the name) and redactions. */
export function identityConsumers(
  verification: DatabaseVerification,
  store: DatabaseVerificationStore,
): ConsumerSpec[] {
  return [
    {
      // Only approvals (and below only redactions): a wider filter had every other event of every flow
      // delivered here and dropped, for nothing. A durable made with the wider one is narrowed at start.
      name: 'phone-verifications',
      filter: 'phone.verification.approved.>',
      handlers: {
        'phone.verification.approved': twoPhase({
          gather: (event, context) => verification.gather(event, context),
          apply: (event, gathered, tx, context) => verification.apply(event, gathered, tx, context),
        }),
      },
    },
    {
      name: 'inquiries',
      filter: 'inquiry.redacted.>',
      handlers: {
        'inquiry.redacted': applyOnly(async (event, tx) => {
          const stated = Date.parse(event.data.redactedAt);
          const at = new Date(Number.isNaN(stated) ? event.occurredAt : stated);
          await store.redact(tx.manager, event.accountId, event.subjectId, at);
        }),
      },
    },
  ];
}
