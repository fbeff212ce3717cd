import type { EventEnvelope } from '@attestor/contracts';
import type { Clock, Transaction } from '@attestor/platform';
import { ALL_INQUIRY_EVENTS, webhookPayload } from '../../domain/webhooks.js';
import type { WebhookDelivery } from '../../store/entities.js';
import { newId } from '../../store/ids.js';
import type { WebhookStore } from '../../store/webhooks.js';

/**
 * Turns one inquiry event into a pending delivery per subscribed webhook of its account, in the
 * consumer's transaction (so a redelivered event adds nothing: the inbox, and unique (webhook, event)).
 */
export async function fanOutEvent(
  store: WebhookStore,
  tx: Transaction,
  event: EventEnvelope,
  clock: Clock,
  retryHours: number,
): Promise<number> {
  const webhookIds = await store.subscribedTo(tx.manager, event.accountId, event.type, ALL_INQUIRY_EVENTS);
  if (webhookIds.length === 0) return 0;
  const now = clock.now();
  const payload = JSON.stringify(webhookPayload(event));
  const rows: WebhookDelivery[] = webhookIds.map((webhookId) => ({
    id: newId(),
    webhookId,
    accountId: event.accountId,
    eventId: event.id,
    eventType: event.type,
    payload,
    status: 'PENDING',
    attempts: 0,
    lastStatusCode: null,
    lastError: null,
    nextAttemptAt: now,
    claimedUntil: null,
    retryUntil: new Date(now.getTime() + retryHours * 3_600_000),
    createdAt: now,
    deliveredAt: null,
  }));
  await store.insertDeliveries(tx.manager, rows);
  return rows.length;
}
