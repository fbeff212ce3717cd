import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import {
  WakeableLoop,
  type Clock,
  type LoopTurn,
  type Outbox,
  type PiiCipher,
  type ServiceMetrics,
  type Worker,
} from '@attestor/platform';
import { settleAttempt, signatureHeader, type SettledAttempt } from '../../domain/webhooks.js';
import type { ClaimedDelivery, WebhookStore } from '../../store/webhooks.js';
import { postWebhook } from './post.js';

export interface WebhookSenderOptions {
  /** Deliveries in flight at once, over every webhook. */
  concurrency: number;
  /** Deliveries in flight at once to one webhook. */
  perEndpoint: number;
  timeoutMs: number;
  pollMs: number;
  allowPrivate: boolean;
  /** For tests: the jitter's randomness. */
  random?: () => number;
  /** Told of every attempt recorded: DELIVERED, PENDING (another is due) or FAILED (the window is over). */
  onSettled?: (status: SettledAttempt['status']) => void;
}

/** attestor_webhook_attempts_total{outcome}: delivered, retrying, failed (docs/operations.md). */
export function webhookAttemptCounter(metrics: ServiceMetrics): (status: SettledAttempt['status']) => void {
  const attempts = metrics.counter(
    'attestor_webhook_attempts_total',
    'Webhook delivery attempts by outcome',
    ['outcome'],
  );
  const outcomes = { DELIVERED: 'delivered', PENDING: 'retrying', FAILED: 'failed' } as const;
  return (status) => attempts.inc({ outcome: outcomes[status] });
}

/** A claim outlives the request timeout by this much before another sender may take the delivery over. */
const CLAIM_MARGIN_MS = 30_000;

/**
 * Sends due webhook deliveries. Deliveries are claimed with a lease (`claimed_until`, FOR UPDATE SKIP
 * LOCKED), so several instances share the work and no transaction stays open during a POST. At most
 * `concurrency` requests are in flight, and at most `perEndpoint` to one webhook, so a slow or dead
 * endpoint holds a couple of slots until its timeout and everyone else's deliveries keep flowing.
 */
export class WebhookSender implements Worker {
  readonly name = 'webhook sender';
  private readonly inFlight = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  private readonly loop: WakeableLoop;

  constructor(
    private readonly store: WebhookStore,
    private readonly outbox: Outbox,
    private readonly pii: PiiCipher,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: WebhookSenderOptions,
  ) {
    this.loop = new WakeableLoop('webhook sender', () => this.turn(), logger, options.pollMs);
  }

  start(): void {
    this.loop.start();
  }

  /** Look for due deliveries now rather than at the next poll (after a replay, or a finished attempt). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops claiming, abandons the requests in flight (their claims are released, not counted). */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.shutdown.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private async turn(): Promise<LoopTurn> {
    const free = this.options.concurrency - this.inFlight.size;
    // With every slot taken only a finished attempt (which wakes the loop) can make progress.
    if (free <= 0) return { restMs: this.options.pollMs * 10 };
    const now = this.clock.now();
    const batch = await this.store.claimDue(this.store.reader, now, {
      perEndpoint: this.options.perEndpoint,
      limit: free,
      leaseUntil: new Date(now.getTime() + this.options.timeoutMs + CLAIM_MARGIN_MS),
    });
    for (const delivery of batch) this.track(this.attempt(delivery));
    // A full batch: more may be due, look again as soon as a slot frees.
    return batch.length > 0 && batch.length === free ? { again: true } : { restMs: this.options.pollMs };
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
    const started = performance.now();
    const outcome = await postWebhook(delivery.url, body, headers, {
      timeoutMs: this.options.timeoutMs,
      allowPrivate: this.options.allowPrivate,
      shutdown: this.shutdown.signal,
    });
    if (this.shutdown.signal.aborted && outcome.statusCode === null) {
      await this.store
        .release(this.store.reader, delivery.id)
        .catch((error: unknown) =>
          this.logger.warn({ err: error, deliveryId: delivery.id }, 'releasing a webhook claim failed'),
        );
      return;
    }
    const settled = settleAttempt(
      outcome,
      delivery.attempts,
      this.clock.now(),
      delivery.retryUntil,
      this.options.random,
    );
    try {
      // The webhook may have been deleted meanwhile: its deliveries and log went with it.
      const durationMs = Math.round(performance.now() - started);
      await this.outbox.transaction((tx) =>
        this.store.recordAttempt(tx.manager, delivery.id, settled, {
          at,
          statusCode: outcome.statusCode,
          error: settled.lastError,
          durationMs,
        }),
      );
    } catch (failure) {
      this.logger.error({ err: failure, deliveryId: delivery.id }, 'recording a webhook attempt failed');
      return;
    }
    this.options.onSettled?.(settled.status);
    if (settled.status !== 'DELIVERED') {
      this.logger.info(
        {
          deliveryId: delivery.id,
          attempts: settled.attempts,
          statusCode: outcome.statusCode,
          error: settled.lastError,
          retryAt: settled.nextAttemptAt?.toISOString() ?? null,
        },
        settled.status === 'FAILED'
          ? 'webhook delivery failed for good'
          : 'webhook delivery failed; will retry',
      );
    }
  }
}
