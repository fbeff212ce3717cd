import { randomBytes } from 'node:crypto';
import { isUuid } from '@attestor/contracts';
import { AppError, ErrorCode, notFound, type Clock, type Outbox, type PiiCipher } from '@attestor/platform';
import { checkPageSize } from '../../domain/cursor.js';
import { checkWebhookEvents, checkWebhookUrl } from '../../domain/webhooks.js';
import type { AccountStore } from '../../store/accounts.js';
import type { Webhook, WebhookAttempt, WebhookDelivery } from '../../store/entities.js';
import { newId } from '../../store/ids.js';
import type { WebhookStore } from '../../store/webhooks.js';
import { assertPublicHost } from './address-guard.js';

/** A webhook as the API shows it; `secret` only in the answer to its creation. */
export type WebhookView = Webhook & { secret?: string };

export interface WebhookRegistryOptions {
  allowPrivate: boolean;
  maxPerAccount: number;
  retryHours: number;
}

/** The account's webhooks, their deliveries and delivery log. */
export class WebhookRegistry {
  constructor(
    private readonly store: WebhookStore,
    private readonly accounts: AccountStore,
    private readonly outbox: Outbox,
    private readonly pii: PiiCipher,
    private readonly clock: Clock,
    private readonly options: WebhookRegistryOptions,
  ) {}

  async create(accountId: string, url: string, events: readonly string[]): Promise<WebhookView> {
    const target = checkWebhookUrl(url);
    const subscribed = checkWebhookEvents(events);
    if (!this.options.allowPrivate) await assertPublicHost(target.hostname);
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const webhook: Webhook = {
      id: newId(),
      accountId,
      url: target.toString(),
      events: subscribed,
      // Sealed rather than hashed: the sender needs it in clear to sign each delivery.
      secretSealed: this.pii.seal(secret),
      createdAt: this.clock.now(),
    };
    await this.outbox.transaction(async (tx) => {
      // The account row lock makes the count and the insert one step for concurrent creates.
      await this.accounts.lockAccount(tx.manager, accountId);
      const count = await this.store.count(tx.manager, accountId);
      if (count >= this.options.maxPerAccount) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `An account may have at most ${this.options.maxPerAccount} webhooks; delete one first`,
        );
      }
      await this.store.insert(tx.manager, webhook);
    });
    return { ...webhook, secret };
  }

  list(accountId: string): Promise<Webhook[]> {
    return this.store.list(this.store.reader, accountId);
  }

  /** Deletes the webhook with its pending deliveries and log; nothing more is sent to it. */
  async delete(accountId: string, id: string): Promise<Webhook> {
    if (!isUuid(id)) throw notFound('Webhook');
    return this.outbox.transaction(async (tx) => {
      const webhook = await this.store.lock(tx.manager, accountId, id);
      if (!webhook) throw notFound('Webhook');
      await this.store.delete(tx.manager, accountId, id);
      return webhook;
    });
  }

  /** Newest first. */
  deliveries(
    accountId: string,
    webhookId: string,
    first: number | null | undefined,
  ): Promise<WebhookDelivery[]> {
    const take = checkPageSize(first, 20);
    return this.store.deliveries(this.store.reader, accountId, webhookId, take);
  }

  /** The attempt log of several deliveries, oldest first per delivery. */
  attemptsOf(accountId: string, deliveryIds: readonly string[]): Promise<Map<string, WebhookAttempt[]>> {
    return this.store.attemptsOf(this.store.reader, accountId, deliveryIds);
  }

  /**
   * Queues a delivery again, now, whatever its status (the receiver deduplicates on the event id). A
   * replay gets a fresh retry window: the operator asked for this event to arrive.
   */
  async replay(accountId: string, id: string): Promise<WebhookDelivery> {
    if (!isUuid(id)) throw notFound('Webhook delivery');
    const now = this.clock.now();
    return this.outbox.transaction(async (tx) => {
      const delivery = await this.store.lockDelivery(tx.manager, accountId, id);
      if (!delivery) throw notFound('Webhook delivery');
      // An attempt in flight keeps its claim so the delivery is never sent twice at once; that
      // attempt's outcome then settles the delivery (it was, after all, just sent again).
      const inFlight = delivery.claimedUntil !== null && delivery.claimedUntil > now;
      const patch: Partial<WebhookDelivery> = {
        status: 'PENDING',
        nextAttemptAt: now,
        claimedUntil: inFlight ? delivery.claimedUntil : null,
        retryUntil: new Date(now.getTime() + this.options.retryHours * 3_600_000),
        deliveredAt: null,
      };
      await this.store.updateDelivery(tx.manager, id, patch);
      return { ...delivery, ...patch };
    });
  }
}
