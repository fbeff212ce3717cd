import { applyOnly, type ConsumerSpec } from '@attestor/platform';
import type { EventData, EventEnvelope } from '@attestor/contracts';
import type { AssessmentStore } from './store/assessments.js';
import type { LookupCache } from './store/lookups.js';
import type { OutcomeStore } from './store/outcomes.js';

type PhoneEvent = EventEnvelope<EventData<'phone.verification.started'>>;

/** The phone service publishes a verification's events with the verification id as subject. */
const outcomeOf = (event: PhoneEvent) => ({
  verificationId: event.subjectId,
  accountId: event.accountId,
  countryCode: event.data.countryCode,
  at: new Date(event.occurredAt),
});

/** What the fraud service consumes: phone outcomes for the statistics, and redactions. */
export function fraudConsumers(stores: {
  outcomes: OutcomeStore;
  assessments: AssessmentStore;
  lookups: LookupCache;
}): ConsumerSpec[] {
  const { outcomes, assessments, lookups } = stores;
  return [
    {
      name: 'phone-verifications',
      filter: 'phone.verification.>',
      handlers: {
        'phone.verification.started': applyOnly(async (event, tx) => {
          await outcomes.started(tx.manager, outcomeOf(event));
        }),
        'phone.verification.approved': applyOnly(async (event, tx) => {
          await outcomes.approved(tx.manager, outcomeOf(event));
        }),
        'phone.verification.failed': applyOnly(async (event, tx) => {
          // Only a fraud block concerns the statistics; other failures count as sent and not verified.
          if (event.data.status === 'BLOCKED') await outcomes.blocked(tx.manager, outcomeOf(event));
        }),
      },
    },
    {
      name: 'inquiries',
      filter: 'inquiry.>',
      handlers: {
        'inquiry.redacted': applyOnly(async (event, tx) => {
          const hashes = await assessments.erasePhoneHashes(tx.manager, event.accountId, event.subjectId);
          await lookups.forget(tx.manager, hashes);
        }),
      },
    },
  ];
}
