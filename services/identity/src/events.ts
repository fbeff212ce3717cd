import type { ConsumerSpec } from '@attestor/platform';
import type { DatabaseVerifier } from './database-verifier.js';
import type { DatabaseVerificationStore } from './store/database-verifications.js';

/** What the identity service consumes: verified numbers (to check the name) and redactions. */
export function identityConsumers(
  verifier: DatabaseVerifier,
  store: DatabaseVerificationStore,
): ConsumerSpec[] {
  return [
    {
      name: 'phone-verifications',
      filter: 'phone.verification.>',
      handlers: {
        'phone.verification.approved': (event, tx, context) => verifier.onPhoneApproved(event, tx, context),
      },
    },
    {
      name: 'inquiries',
      filter: 'inquiry.>',
      handlers: {
        'inquiry.redacted': async (event, tx) => {
          const stated = Date.parse(event.data.redactedAt);
          const at = new Date(Number.isNaN(stated) ? event.occurredAt : stated);
          await store.redact(tx.manager, event.accountId, event.subjectId, at);
        },
      },
    },
  ];
}
