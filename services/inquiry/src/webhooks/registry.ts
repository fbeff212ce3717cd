import { randomBytes } from 'node:crypto';
import { In, type DataSource } from 'typeorm';
import { isUuid } from '@attestor/contracts';
import { AppError, ErrorCode, notFound, type PiiCipher } from '@attestor/platform';
import { checkPageSize } from '../domain/cursor.js';
import { checkWebhookEvents, checkWebhookUrl } from '../domain/webhooks.js';
import {
  AccountEntity,
  WebhookAttemptEntity,
  WebhookDeliveryEntity,
  WebhookEntity,
  type Webhook,
  type WebhookAttempt,
  type WebhookDelivery,
} from '../store/entities.js';
import { newId } from '../store/ids.js';
import type { Clock } from '../clock.js';
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
    private readonly dataSource: DataSource,
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
    await this.dataSource.transaction(async (manager) => {
      // The account row lock makes the count and the insert one step for concurrent creates.
      await manager
        .getRepository(AccountEntity)
        .findOne({ where: { id: accountId }, lock: { mode: 'pessimistic_write' } });
      const count = await manager.getRepository(WebhookEntity).countBy({ accountId });
      if (count >= this.options.maxPerAccount) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `An account may have at most ${this.options.maxPerAccount} webhooks; delete one first`,
        );
      }
      await manager.getRepository(WebhookEntity).insert(webhook);
    });
    return { ...webhook, secret };
  }

  list(accountId: string): Promise<Webhook[]> {
    return this.dataSource.getRepository(WebhookEntity).find({ where: { accountId }, order: { id: 'DESC' } });
  }

  /** Deletes the webhook with its pending deliveries and log; nothing more is sent to it. */
  async delete(accountId: string, id: string): Promise<Webhook> {
    if (!isUuid(id)) throw notFound('Webhook');
    return this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(WebhookEntity);
      const webhook = await repository.findOne({
        where: { id, accountId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!webhook) throw notFound('Webhook');
      await repository.delete({ id, accountId });
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
    return this.dataSource
      .getRepository(WebhookDeliveryEntity)
      .find({ where: { accountId, webhookId }, order: { createdAt: 'DESC', id: 'DESC' }, take });
  }

  /** The attempt log of several deliveries, oldest first per delivery. */
  async attemptsOf(
    accountId: string,
    deliveryIds: readonly string[],
  ): Promise<Map<string, WebhookAttempt[]>> {
    const owned = await this.dataSource
      .getRepository(WebhookDeliveryEntity)
      .find({ select: { id: true }, where: { accountId, id: In([...deliveryIds]) } });
    const rows =
      owned.length === 0
        ? []
        : await this.dataSource
            .getRepository(WebhookAttemptEntity)
            .find({ where: { deliveryId: In(owned.map((d) => d.id)) }, order: { id: 'ASC' } });
    const byDelivery = new Map<string, WebhookAttempt[]>();
    for (const row of rows) byDelivery.set(row.deliveryId, [...(byDelivery.get(row.deliveryId) ?? []), row]);
    return byDelivery;
  }

  /**
   * Queues a delivery again, now, whatever its status (the receiver deduplicates on the event id). A
   * replay gets a fresh retry window: the operator asked for this event to arrive.
   */
  async replay(accountId: string, id: string): Promise<WebhookDelivery> {
    if (!isUuid(id)) throw notFound('Webhook delivery');
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(WebhookDeliveryEntity);
      const delivery = await repository.findOne({
        where: { id, accountId },
        lock: { mode: 'pessimistic_write' },
      });
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
      await repository.update({ id }, patch);
      return { ...delivery, ...patch };
    });
  }
}
