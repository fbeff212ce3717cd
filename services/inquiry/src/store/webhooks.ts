import { ArrayContains, In, type EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';
import {
  WebhookAttemptEntity,
  WebhookDeliveryEntity,
  WebhookEntity,
  type Webhook,
  type WebhookAttempt,
  type WebhookDelivery,
} from './entities.js';

/** A delivery the sender has claimed, with what it needs to post it. */
export interface ClaimedDelivery {
  id: string;
  eventId: string;
  eventType: string;
  payload: string;
  attempts: number;
  retryUntil: Date;
  url: string;
  secretSealed: string;
}

/** Webhooks, their deliveries (one per webhook and event) and each delivery's attempt log. */
export class WebhookStore extends Store {
  async count(db: EntityManager, accountId: string): Promise<number> {
    return db.getRepository(WebhookEntity).countBy({ accountId });
  }

  async insert(db: EntityManager, webhook: Webhook): Promise<void> {
    await db.getRepository(WebhookEntity).insert(webhook);
  }

  async list(db: EntityManager, accountId: string): Promise<Webhook[]> {
    return db.getRepository(WebhookEntity).find({ where: { accountId }, order: { id: 'DESC' } });
  }

  async lock(db: EntityManager, accountId: string, id: string): Promise<Webhook | null> {
    return db
      .getRepository(WebhookEntity)
      .findOne({ where: { id, accountId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Deletes the webhook; its deliveries and their log go with it (ON DELETE CASCADE). */
  async delete(db: EntityManager, accountId: string, id: string): Promise<void> {
    await db.getRepository(WebhookEntity).delete({ id, accountId });
  }

  /** Ids of the account's webhooks subscribed to `type` (directly or through `all`). */
  async subscribedTo(db: EntityManager, accountId: string, type: string, all: string): Promise<string[]> {
    const rows = await db.getRepository(WebhookEntity).find({
      select: { id: true },
      where: [
        { accountId, events: ArrayContains([type]) },
        { accountId, events: ArrayContains([all]) },
      ],
    });
    return rows.map((row) => row.id);
  }

  /** Whether any webhook of the account is subscribed to `type` (directly or through `all`), outside a transaction. */
  async anySubscribed(accountId: string, type: string, all: string): Promise<boolean> {
    const [row] = (await this.reader.query(
      `SELECT EXISTS (SELECT 1 FROM ${this.table('webhooks')}
                       WHERE account_id = $1 AND events && ARRAY[$2, $3]::text[]) AS found`,
      [accountId, type, all],
    )) as Array<{ found: boolean }>;
    return row?.found === true;
  }

  /** Adds deliveries; one already there for the same (webhook, event) is left as it is. */
  async insertDeliveries(db: EntityManager, rows: WebhookDelivery[]): Promise<void> {
    if (rows.length === 0) return;
    await db.createQueryBuilder().insert().into(WebhookDeliveryEntity).values(rows).orIgnore().execute();
  }

  /** Newest first. */
  async deliveries(
    db: EntityManager,
    accountId: string,
    webhookId: string,
    take: number,
  ): Promise<WebhookDelivery[]> {
    return db
      .getRepository(WebhookDeliveryEntity)
      .find({ where: { accountId, webhookId }, order: { createdAt: 'DESC', id: 'DESC' }, take });
  }

  async lockDelivery(db: EntityManager, accountId: string, id: string): Promise<WebhookDelivery | null> {
    return db
      .getRepository(WebhookDeliveryEntity)
      .findOne({ where: { id, accountId }, lock: { mode: 'pessimistic_write' } });
  }

  async updateDelivery(db: EntityManager, id: string, patch: Partial<WebhookDelivery>): Promise<boolean> {
    const result = await db.getRepository(WebhookDeliveryEntity).update({ id }, patch);
    return result.affected === 1;
  }

  /** The attempt log of several deliveries of the account, oldest first per delivery. */
  async attemptsOf(
    db: EntityManager,
    accountId: string,
    deliveryIds: readonly string[],
  ): Promise<Map<string, WebhookAttempt[]>> {
    const byDelivery = new Map<string, WebhookAttempt[]>();
    if (deliveryIds.length === 0) return byDelivery;
    const owned = await db
      .getRepository(WebhookDeliveryEntity)
      .find({ select: { id: true }, where: { accountId, id: In([...deliveryIds]) } });
    if (owned.length === 0) return byDelivery;
    const rows = await db
      .getRepository(WebhookAttemptEntity)
      .find({ where: { deliveryId: In(owned.map((d) => d.id)) }, order: { id: 'ASC' } });
    for (const row of rows) byDelivery.set(row.deliveryId, [...(byDelivery.get(row.deliveryId) ?? []), row]);
    return byDelivery;
  }

  /**
   * Claims up to `limit` due deliveries with a lease (`claimed_until`), at most `perEndpoint` in flight
   * per webhook counting those already leased. FOR UPDATE SKIP LOCKED: several senders share the work.
   */
  async claimDue(
    db: EntityManager,
    now: Date,
    limits: { perEndpoint: number; limit: number; leaseUntil: Date },
  ): Promise<ClaimedDelivery[]> {
    const deliveries = this.table('webhook_deliveries');
    const webhooks = this.table('webhooks');
    // One statement: the rows are locked from the SELECT until the UPDATE commits with it. Split in
    // two outside a transaction, the lock ended with the SELECT and two senders claimed one delivery
    // (test/replicas.test.ts saw the same webhook event delivered twice).
    const claimed = (await db.query(
      `WITH in_flight AS (
         SELECT webhook_id, count(*) AS n FROM ${deliveries}
          WHERE status = 'PENDING' AND claimed_until > $1 GROUP BY webhook_id
       ), ranked AS (
         SELECT d.id, d.webhook_id, d.next_attempt_at,
                row_number() OVER (PARTITION BY d.webhook_id ORDER BY d.next_attempt_at, d.id) AS place
           FROM ${deliveries} d
          WHERE d.status = 'PENDING' AND d.next_attempt_at <= $1
            AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
       ), eligible AS (
         SELECT r.id FROM ranked r LEFT JOIN in_flight f ON f.webhook_id = r.webhook_id
          WHERE r.place + coalesce(f.n, 0) <= $2
       ), picked AS (
         SELECT d.id FROM ${deliveries} d
          WHERE d.id IN (SELECT id FROM eligible)
            AND d.status = 'PENDING' AND d.next_attempt_at <= $1
            AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
          ORDER BY d.next_attempt_at, d.id
          LIMIT $3
          FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE ${deliveries} d SET claimed_until = $4
         FROM ${webhooks} w, picked p
        WHERE d.id = p.id AND w.id = d.webhook_id
        RETURNING d.id, d.event_id, d.event_type, d.payload, d.attempts, d.retry_until, w.url, w.secret_sealed`,
      [now, limits.perEndpoint, limits.limit, limits.leaseUntil],
    )) as [Array<Record<string, unknown>>, number];
    return claimed[0].map((r) => ({
      id: String(r['id']),
      eventId: String(r['event_id']),
      eventType: String(r['event_type']),
      payload: String(r['payload']),
      attempts: Number(r['attempts']),
      retryUntil: new Date(r['retry_until'] as string | Date),
      url: String(r['url']),
      secretSealed: String(r['secret_sealed']),
    }));
  }

  /** Logs one attempt with its delivery's new state; false when the delivery is gone (webhook deleted). */
  async recordAttempt(
    db: EntityManager,
    deliveryId: string,
    patch: Partial<WebhookDelivery>,
    attempt: Omit<WebhookAttempt, 'id' | 'deliveryId'>,
  ): Promise<boolean> {
    if (!(await this.updateDelivery(db, deliveryId, patch))) return false;
    await db.getRepository(WebhookAttemptEntity).insert({ deliveryId, ...attempt });
    return true;
  }

  /** Gives an unfinished attempt's lease back (the sender stopped mid-request). */
  async release(db: EntityManager, id: string): Promise<void> {
    await db.getRepository(WebhookDeliveryEntity).update({ id, status: 'PENDING' }, { claimedUntil: null });
  }
}
