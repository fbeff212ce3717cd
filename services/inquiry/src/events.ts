import {
  applyOnly,
  type Clock,
  type ConsumerSpec,
  type EventHandler,
  type EventHandlers,
} from '@attestor/platform';
import type { EventData, EventType } from '@attestor/contracts';
import { ALL_INQUIRY_EVENTS, webhookEventTypes } from './domain/webhooks.js';
import type { Lifecycle } from './flows/lifecycle.js';
import { fanOutEvent } from './flows/webhooks/fanout.js';
import type { WebhookStore } from './store/webhooks.js';

type StepFailure = 'phone.verification.failed' | 'phone.verification.expired' | 'fraud.assessment.blocked';

/**
 * What the inquiry service consumes. Other services' events drive the lifecycle (one durable consumer
 * per source, so each source's events stay in order); the inquiry's own events feed the webhooks.
 */
export function inquiryConsumers(deps: {
  lifecycle: Lifecycle;
  webhooks: WebhookStore;
  clock: Clock;
  webhookRetryHours: number;
}): ConsumerSpec[] {
  const { lifecycle, clock } = deps;
  /** A step of the inquiry failed: FAILED, with why. */
  const failStep = <T extends StepFailure>(reasonOf: (data: EventData<T>) => string): EventHandler<T> =>
    applyOnly<T>((event, tx, { logger }) =>
      lifecycle.byEvent(
        tx,
        event.accountId,
        event.data.inquiryId,
        { to: 'FAILED', cause: 'step-failed', reason: reasonOf(event.data) },
        clock.now(),
        logger,
      ),
    );
  const phone: ConsumerSpec = {
    name: 'phone-events',
    filter: 'phone.verification.>',
    handlers: {
      'phone.verification.started': applyOnly((event, tx, { logger }) =>
        lifecycle.byEvent(
          tx,
          event.accountId,
          event.data.inquiryId,
          {
            to: 'PENDING',
            cause: 'verification-started',
            reason: `phone verification started (${event.data.channel})`,
          },
          clock.now(),
          logger,
        ),
      ),
      'phone.verification.approved': applyOnly((event, tx, { logger }) =>
        lifecycle.recordStep(
          tx,
          event.accountId,
          event.data.inquiryId,
          { step: 'PHONE_OTP' },
          clock.now(),
          logger,
        ),
      ),
      'phone.verification.failed': failStep((data) => `phone verification ${data.status}: ${data.reason}`),
      'phone.verification.expired': failStep(() => 'phone verification expired'),
      // A canceled verification leaves the inquiry where it was: the end user may start another one.
      'phone.verification.canceled': applyOnly(async () => {}),
    },
  };
  const identity: ConsumerSpec = {
    name: 'identity-events',
    filter: 'identity.database-verification.>',
    handlers: {
      'identity.database-verification.completed': applyOnly((event, tx, { logger }) =>
        lifecycle.recordStep(
          tx,
          event.accountId,
          event.data.inquiryId,
          {
            step: 'DATABASE_NAME_MATCH',
            identity: { status: event.data.status, nameMatch: event.data.nameMatch },
          },
          clock.now(),
          logger,
        ),
      ),
    },
  };
  const fraud: ConsumerSpec = {
    name: 'fraud-events',
    filter: 'fraud.assessment.>',
    handlers: {
      'fraud.assessment.blocked': failStep((data) => `fraud assessment blocked: ${data.reasons.join(', ')}`),
    },
  };
  const fanOut: EventHandler<EventType> = {
    // Most accounts subscribe few event types, or none: those events cost one read, no transaction.
    concerns: (event) => deps.webhooks.anySubscribed(event.accountId, event.type, ALL_INQUIRY_EVENTS),
    apply: async (event, _gathered, tx) => {
      await fanOutEvent(deps.webhooks, tx, event, clock, deps.webhookRetryHours);
    },
  };
  const webhooks: ConsumerSpec = {
    name: 'webhook-fanout',
    filter: 'inquiry.>',
    handlers: Object.fromEntries(webhookEventTypes.map((type) => [type, fanOut])) as EventHandlers,
  };
  return [phone, identity, fraud, webhooks];
}
