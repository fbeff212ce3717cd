import { ArrayContains, type EntityManager } from 'typeorm';
import type { EventEnvelope } from '@attestor/contracts';
import { ALL_INQUIRY_EVENTS, webhookPayload } from '../domain/webhooks.js';
import { WebhookDeliveryEntity, WebhookEntity, type WebhookDelivery } from '../store/entities.js';
import { newId } from '../store/ids.js';
import type { Clock } from '../clock.js';

/**
 * Turns one inquiry event into a pending delivery per subscribed webhook of its account, in the
 * consumer's transaction (so a redelivered event adds nothing: the inbox, and unique (webhook, event)).
 */
export async function fanOutEvent(
  manager: EntityManager,
  event: EventEnvelope,
  clock: Clock,
  retryHours: number,
): Promise<number> {
  const repository = manager.getRepository(WebhookEntity);
  const webhooks = await repository.find({
    select: { id: true },
    where: [
      { accountId: event.accountId, events: ArrayContains([event.type]) },
      { accountId: event.accountId, events: ArrayContains([ALL_INQUIRY_EVENTS]) },
    ],
  });
  if (webhooks.length === 0) return 0;
  const now = clock.now();
  const payload = JSON.stringify(webhookPayload(event));
  const rows: WebhookDelivery[] = webhooks.map((webhook) => ({
    id: newId(),
    webhookId: webhook.id,
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
  await manager.createQueryBuilder().insert().into(WebhookDeliveryEntity).values(rows).orIgnore().execute();
  return rows.length;
}
