import {
  applyOnly,
  type Clock,
  type ConsumerSpec,
  type PiiCipher,
  type Transaction,
} from '@attestor/platform';
import type { EventData, EventEnvelope, EventType } from '@attestor/contracts';
import type { AssessmentStore } from './store/assessments.js';
import type { BreakerRow } from './store/breakers.js';
import type { ConversionKey, ConversionStore } from './store/conversions.js';
import type { LookupCache } from './store/lookups.js';
import type { OutcomeChange, OutcomeStore } from './store/outcomes.js';
import type { VerifiedNumberStore } from './store/verified-numbers.js';

/** What the fraud service publishes about breakers; the subject is the breaker's id. */
export async function publishBreakerOpened(
  tx: Transaction,
  breaker: BreakerRow,
  conversionRate: number | null,
): Promise<void> {
  await tx.publish('fraud.breaker.opened', {
    accountId: breaker.accountId,
    subjectId: breaker.id,
    data: { scope: breaker.scope, conversionRate },
  });
}

export async function publishBreakerClosed(tx: Transaction, breaker: BreakerRow): Promise<void> {
  await tx.publish('fraud.breaker.closed', {
    accountId: breaker.accountId,
    subjectId: breaker.id,
    data: { scope: breaker.scope },
  });
}

export interface FraudEventStores {
  outcomes: OutcomeStore;
  assessments: AssessmentStore;
  lookups: LookupCache;
  conversions: ConversionStore;
  verifiedNumbers: VerifiedNumberStore;
}

type PhoneEventType = Extract<EventType, `phone.verification.${string}`>;
type PhoneEvent = EventEnvelope<EventData<'phone.verification.started'>>;

/**
 * What the fraud service consumes: the phone service's verification events (statistics, conversion
 * counters, the "verified before" set) and redactions. Each handler only writes this service's
 * database, in the inbox transaction, so a redelivered event has no second effect. Conversions are
 * counted in the bucket of the moment the event is handled (the service's clock).
 */
export function fraudConsumers(stores: FraudEventStores, pii: PiiCipher, clock: Clock): ConsumerSpec[] {
  const { outcomes, assessments, lookups, conversions, verifiedNumbers } = stores;

  const outcomeOf = (event: PhoneEvent) => ({
    verificationId: event.subjectId,
    accountId: event.accountId,
    countryCode: event.data.countryCode,
    at: new Date(event.occurredAt),
    sendCount: event.data.sendCount,
  });

  /**
   * The keys a verification counts under — its country, its prefixes (from the event or our
   * assessment), the address it was asked from, the account — and whether its first message went out
   * on a passed challenge.
   */
  const keysOf = async (
    tx: Transaction,
    event: PhoneEvent,
  ): Promise<{ keys: ConversionKey[]; solved: boolean }> => {
    const facts = await assessments.conversionFactsOf(tx.manager, event.accountId, event.subjectId);
    const prefixes = event.data.prefixHashes.length > 0 ? event.data.prefixHashes : facts.prefixHashes;
    return {
      keys: [
        { scope: 'COUNTRY', key: event.data.countryCode },
        ...prefixes.map((key) => ({ scope: 'PREFIX' as const, key })),
        ...(facts.ipHash === null ? [] : [{ scope: 'IP' as const, key: facts.ipHash }]),
        { scope: 'ACCOUNT', key: '' },
      ],
      solved: facts.solved,
    };
  };

  /** Conversions count verifications: one that sent (its first message) and one that was verified. */
  const count = async (tx: Transaction, event: PhoneEvent, change: OutcomeChange) => {
    if (!change.firstSend && !change.newlyVerified) return;
    const { keys, solved } = await keysOf(tx, event);
    await conversions.add(tx.manager, event.accountId, keys, clock.now(), {
      sent: change.firstSend ? 1 : 0,
      verified: change.newlyVerified ? 1 : 0,
      solved,
    });
  };

  const sends = <T extends PhoneEventType>() =>
    applyOnly<T>(async (event, tx) => {
      const phoneEvent = event as unknown as PhoneEvent;
      await count(tx, phoneEvent, await outcomes.sent(tx.manager, outcomeOf(phoneEvent)));
    });

  return [
    {
      name: 'phone-verifications',
      filter: 'phone.verification.>',
      handlers: {
        'phone.verification.started': sends<'phone.verification.started'>(),
        'phone.verification.resent': sends<'phone.verification.resent'>(),
        'phone.verification.expired': sends<'phone.verification.expired'>(),
        'phone.verification.canceled': sends<'phone.verification.canceled'>(),
        'phone.verification.approved': applyOnly(async (event, tx) => {
          await count(tx, event, await outcomes.approved(tx.manager, outcomeOf(event)));
          const phoneHash = pii.hash(pii.open(event.data.phoneNumberSealed));
          await verifiedNumbers.record(
            tx.manager,
            event.accountId,
            phoneHash,
            event.data.inquiryId,
            clock.now(),
          );
        }),
        'phone.verification.failed': applyOnly(async (event, tx) => {
          // A fraud block sent nothing; other failures (out of attempts) sent what they sent.
          if (event.data.status === 'BLOCKED') await outcomes.blocked(tx.manager, outcomeOf(event));
          else await count(tx, event, await outcomes.sent(tx.manager, outcomeOf(event)));
        }),
      },
    },
    {
      // Only redactions: a durable made with `inquiry.>` is narrowed at start (DurableConsumer).
      name: 'inquiries',
      filter: 'inquiry.redacted.>',
      handlers: {
        'inquiry.redacted': applyOnly(async (event, tx) => {
          const hashes = await assessments.erasePhoneHashes(tx.manager, event.accountId, event.subjectId);
          await lookups.forget(tx.manager, hashes);
          await verifiedNumbers.eraseInquiry(tx.manager, event.accountId, event.subjectId);
        }),
      },
    },
  ];
}
