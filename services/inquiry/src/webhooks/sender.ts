import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { qualified, type PiiCipher, type Worker } from '@attestor/platform';
import { isPublicAddress } from '../domain/addresses.js';
import { nextAttemptAt, signatureHeader } from '../domain/webhooks.js';
import { WebhookAttemptEntity, WebhookDeliveryEntity, type WebhookDelivery } from '../store/entities.js';
import type { Clock } from '../clock.js';
import { PrivateAddressError, publicOnlyLookup } from './address-guard.js';

export interface WebhookSenderOptions {
  schema: string;
  /** Deliveries in flight at once, over every webhook. */
  concurrency: number;
  /** Deliveries in flight at once to one webhook. */
  perEndpoint: number;
  timeoutMs: number;
  pollMs: number;
  allowPrivate: boolean;
  /** For tests: the jitter's randomness. */
  random?: () => number;
}

interface ClaimedDelivery {
  id: string;
  eventId: string;
  eventType: string;
  payload: string;
  attempts: number;
  retryUntil: Date;
  url: string;
  secretSealed: string;
}

/** What one POST came to: a status code, or why there was none. */
type AttemptOutcome = { statusCode: number; error: null } | { statusCode: null; error: string };

const RESPONSE_BODY_LIMIT = 64 * 1024;
/** A claim outlives the request timeout by this much before another sender may take the delivery over. */
const CLAIM_MARGIN_MS = 30_000;

/**
 * Sends due webhook deliveries. Deliveries are claimed with `FOR UPDATE SKIP LOCKED` and a lease
 * (`claimed_until`), so several instances share the work and no transaction stays open during a POST.
 * At most `concurrency` requests are in flight, and at most `perEndpoint` to one webhook, so a slow or
 * dead endpoint holds a couple of slots until its timeout and everyone else's deliveries keep flowing.
 */
export class WebhookSender implements Worker {
  readonly name = 'webhook sender';
  private readonly inFlight = new Set<Promise<void>>();
  private readonly aborts = new Set<AbortController>();
  private readonly deliveries: string;
  private readonly webhooks: string;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly pii: PiiCipher,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: WebhookSenderOptions,
  ) {
    this.deliveries = qualified(options.schema, 'webhook_deliveries');
    this.webhooks = qualified(options.schema, 'webhooks');
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Look for due deliveries now rather than at the next poll (after a replay). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops claiming, abandons the requests in flight (their claims are released, not counted). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    for (const controller of this.aborts) controller.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const free = this.options.concurrency - this.inFlight.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const batch = await this.claim(free);
          claimed = batch.length;
          for (const delivery of batch) this.track(this.attempt(delivery));
        } catch (error) {
          this.logger.error({ err: error }, 'claiming webhook deliveries failed');
        }
      }
      // Full batch: more may be due, look again as soon as a slot frees; otherwise wait for the poll.
      if (this.running) await this.idle(claimed > 0 && claimed === free ? 0 : this.options.pollMs);
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) => this.logger.error({ err: error }, 'webhook attempt failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(tracked);
        this.wake();
      });
    this.inFlight.add(tracked);
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const full = this.inFlight.size >= this.options.concurrency;
      // With every slot taken only a finished attempt (or stop) can make progress.
      const timer = setTimeout(done, full ? this.options.pollMs * 10 : ms);
      this.wakeUp = done;
    });
  }

  /** Claims up to `limit` due deliveries, respecting the per-webhook limit over what is already in flight. */
  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.options.timeoutMs + CLAIM_MARGIN_MS);
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `WITH in_flight AS (
           SELECT webhook_id, count(*) AS n FROM ${this.deliveries}
            WHERE status = 'PENDING' AND claimed_until > $1 GROUP BY webhook_id
         ), ranked AS (
           SELECT d.id, d.webhook_id, d.next_attempt_at,
                  row_number() OVER (PARTITION BY d.webhook_id ORDER BY d.next_attempt_at, d.id) AS place
             FROM ${this.deliveries} d
            WHERE d.status = 'PENDING' AND d.next_attempt_at <= $1
              AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
         ), eligible AS (
           SELECT r.id FROM ranked r LEFT JOIN in_flight f ON f.webhook_id = r.webhook_id
            WHERE r.place + coalesce(f.n, 0) <= $2
         )
         SELECT d.id FROM ${this.deliveries} d
          WHERE d.id IN (SELECT id FROM eligible)
            AND d.status = 'PENDING' AND d.next_attempt_at <= $1
            AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
          ORDER BY d.next_attempt_at, d.id
          LIMIT $3
          FOR UPDATE OF d SKIP LOCKED`,
        [now, this.options.perEndpoint, limit],
      )) as Array<{ id: string }>;
      if (rows.length === 0) return [];
      const claimed = (await manager.query(
        `UPDATE ${this.deliveries} d SET claimed_until = $2
           FROM ${this.webhooks} w
          WHERE d.id = ANY($1::uuid[]) AND w.id = d.webhook_id
          RETURNING d.id, d.event_id, d.event_type, d.payload, d.attempts, d.retry_until, w.url, w.secret_sealed`,
        [rows.map((r) => r.id), leaseUntil],
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
    });
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const body = delivery.payload;
    const at = this.clock.now();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Attestor-Webhooks/1.0',
      'attestor-signature': signatureHeader(this.pii.open(delivery.secretSealed), body, at),
      'attestor-event-id': delivery.eventId,
      'attestor-event-type': delivery.eventType,
    };
    const controller = new AbortController();
    this.aborts.add(controller);
    const started = performance.now();
    let outcome: AttemptOutcome;
    try {
      outcome = await this.post(delivery.url, body, headers, controller.signal);
    } finally {
      this.aborts.delete(controller);
    }
    if (!this.running && controller.signal.aborted) {
      await this.release(delivery.id);
      return;
    }
    await this.record(delivery, outcome, at, Math.round(performance.now() - started));
  }

  private post(
    url: string,
    body: string,
    headers: Record<string, string>,
    shutdown: AbortSignal,
  ): Promise<AttemptOutcome> {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!this.options.allowPrivate && isIP(host) && !isPublicAddress(host)) {
      return Promise.resolve({ statusCode: null, error: 'refused: the URL points at a private address' });
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = AbortSignal.any([timeout, shutdown]);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const settle = (outcome: AttemptOutcome) => resolve(outcome);
      const request = send(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          signal,
          ...(this.options.allowPrivate ? {} : { lookup: publicOnlyLookup }),
        },
        (response: IncomingMessage) => {
          let received = 0;
          response.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > RESPONSE_BODY_LIMIT) response.destroy();
          });
          response.on('close', () => settle({ statusCode: response.statusCode ?? 0, error: null }));
          response.on('error', () => settle({ statusCode: response.statusCode ?? 0, error: null }));
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (timeout.aborted)
          return settle({ statusCode: null, error: `timeout after ${this.options.timeoutMs} ms` });
        if (shutdown.aborted)
          return settle({ statusCode: null, error: 'aborted: the sender is shutting down' });
        if (error instanceof PrivateAddressError || error.code === 'EPRIVATEADDRESS') {
          return settle({ statusCode: null, error: 'refused: the host resolves to a private address' });
        }
        settle({ statusCode: null, error: describeNetworkError(error) });
      });
      request.end(body);
    });
  }

  /** Logs the attempt and settles the delivery: delivered, retried later, or failed for good. */
  private async record(
    delivery: ClaimedDelivery,
    outcome: AttemptOutcome,
    at: Date,
    durationMs: number,
  ): Promise<void> {
    const attempts = delivery.attempts + 1;
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const error = ok ? null : (outcome.error ?? `HTTP ${outcome.statusCode}`);
    const settledAt = this.clock.now();
    const next = ok ? null : nextAttemptAt(attempts, settledAt, delivery.retryUntil, this.options.random);
    const patch: Partial<WebhookDelivery> = {
      attempts,
      lastStatusCode: outcome.statusCode,
      lastError: error,
      claimedUntil: null,
      status: ok ? 'DELIVERED' : next === null ? 'FAILED' : 'PENDING',
      nextAttemptAt: next,
      ...(ok ? { deliveredAt: settledAt } : {}),
    };
    try {
      await this.dataSource.transaction(async (manager) => {
        const updated = await manager.getRepository(WebhookDeliveryEntity).update({ id: delivery.id }, patch);
        // The webhook was deleted meanwhile: its deliveries and log went with it.
        if (updated.affected !== 1) return;
        await manager.getRepository(WebhookAttemptEntity).insert({
          deliveryId: delivery.id,
          at,
          statusCode: outcome.statusCode,
          error,
          durationMs,
        });
      });
    } catch (failure) {
      this.logger.error({ err: failure, deliveryId: delivery.id }, 'recording a webhook attempt failed');
      return;
    }
    if (!ok) {
      this.logger.info(
        {
          deliveryId: delivery.id,
          attempts,
          statusCode: outcome.statusCode,
          error,
          retryAt: next?.toISOString() ?? null,
        },
        next === null ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry',
      );
    }
  }

  private async release(id: string): Promise<void> {
    await this.dataSource
      .getRepository(WebhookDeliveryEntity)
      .update({ id, status: 'PENDING' }, { claimedUntil: null })
      .catch((error: unknown) =>
        this.logger.warn({ err: error, deliveryId: id }, 'releasing a webhook claim failed'),
      );
  }
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate not accepted (${error.code})`;
    default:
      return (error.code ?? error.message).slice(0, 200);
  }
}
