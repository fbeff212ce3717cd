import { createHmac } from 'node:crypto';
import { eventTypes } from '@attestor/contracts';
import { badInput } from '@attestor/platform/errors';

/**
 * The events a webhook may subscribe to: the inquiry's own events. `inquiry.api-key.revoked` is an
 * internal cache-eviction signal for gateways, not something about an inquiry, so it is not offered.
 */
export const webhookEventTypes: readonly string[] = eventTypes.filter(
  (type) => type.startsWith('inquiry.') && type !== 'inquiry.api-key.revoked',
);
export const ALL_INQUIRY_EVENTS = 'inquiry.*';
export const WEBHOOK_URL_MAX_LENGTH = 2048;

export function checkWebhookUrl(text: string): URL {
  if (text.length === 0 || text.length > WEBHOOK_URL_MAX_LENGTH) {
    throw badInput(`A webhook URL must have 1 to ${WEBHOOK_URL_MAX_LENGTH} characters`, 'url');
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badInput('Not a URL', 'url');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw badInput('A webhook URL must be http(s)', 'url');
  if (url.username !== '' || url.password !== '') {
    throw badInput('A webhook URL may not hold credentials; verify Attestor-Signature instead', 'url');
  }
  if (url.hostname === '') throw badInput('A webhook URL needs a host', 'url');
  return url;
}

export function checkWebhookEvents(events: readonly string[]): string[] {
  if (events.length === 0) throw badInput('Subscribe to at least one event (or inquiry.*)', 'events');
  const out: string[] = [];
  for (const event of events) {
    if (event !== ALL_INQUIRY_EVENTS && !webhookEventTypes.includes(event)) {
      throw badInput(
        `Unknown event ${event}; known: ${[ALL_INQUIRY_EVENTS, ...webhookEventTypes].join(', ')}`,
        'events',
      );
    }
    if (!out.includes(event)) out.push(event);
  }
  return out;
}

export function subscribesTo(events: readonly string[], type: string): boolean {
  return webhookEventTypes.includes(type) && (events.includes(ALL_INQUIRY_EVENTS) || events.includes(type));
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` */
export function signatureHeader(secret: string, body: string, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

// ----------------------------------------------------------------------------- retries

/** First retry after 30 s, doubling per failed attempt, capped at one hour (documented in docs/webhooks.md). */
export const RETRY_BASE_MS = 30_000;
export const RETRY_CAP_MS = 3_600_000;
/** ±20 %: spreads retries of many deliveries that failed together (an endpoint outage). */
export const RETRY_JITTER = 0.2;

export function retryDelayMs(failedAttempts: number, random: () => number = Math.random): number {
  const exponential = Math.min(RETRY_BASE_MS * 2 ** Math.max(failedAttempts - 1, 0), RETRY_CAP_MS);
  return Math.round(exponential * (1 - RETRY_JITTER + random() * 2 * RETRY_JITTER));
}

/**
 * When to try again after a failed attempt, or null to give up: retries run until `retryUntil`, and
 * the last one is held exactly at `retryUntil` so the window is used to its end.
 */
export function nextAttemptAt(
  failedAttempts: number,
  now: Date,
  retryUntil: Date,
  random: () => number = Math.random,
): Date | null {
  if (now.getTime() >= retryUntil.getTime()) return null;
  const next = now.getTime() + retryDelayMs(failedAttempts, random);
  return new Date(Math.min(next, retryUntil.getTime()));
}

/** What the endpoint receives: the event's id and type, when it happened, and its data about the inquiry. */
export interface WebhookPayload {
  id: string;
  type: string;
  createdAt: string;
  data: { inquiryId: string } & Record<string, unknown>;
}

export function webhookPayload(event: {
  id: string;
  type: string;
  occurredAt: string;
  subjectId: string;
  data: Record<string, unknown>;
}): WebhookPayload {
  return {
    id: event.id,
    type: event.type,
    createdAt: event.occurredAt,
    data: { inquiryId: event.subjectId, ...event.data },
  };
}

/** What one POST came to: a status code, or why there was none. */
export type AttemptOutcome = { statusCode: number; error: null } | { statusCode: null; error: string };

/** The delivery's state after an attempt (the patch the sender stores). */
export interface SettledAttempt {
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  status: 'DELIVERED' | 'PENDING' | 'FAILED';
  nextAttemptAt: Date | null;
  deliveredAt?: Date;
  claimedUntil: null;
}

/**
 * Settles one attempt: a 2xx delivers; anything else is retried at `nextAttemptAt` while the retry
 * window lasts, then FAILED. Pure, so every branch is pinned by a unit test.
 */
export function settleAttempt(
  outcome: AttemptOutcome,
  previousAttempts: number,
  settledAt: Date,
  retryUntil: Date,
  random: () => number = Math.random,
): SettledAttempt {
  const attempts = previousAttempts + 1;
  const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  const error = ok ? null : (outcome.error ?? `HTTP ${outcome.statusCode}`);
  const next = ok ? null : nextAttemptAt(attempts, settledAt, retryUntil, random);
  return {
    attempts,
    lastStatusCode: outcome.statusCode,
    lastError: error,
    claimedUntil: null,
    status: ok ? 'DELIVERED' : next === null ? 'FAILED' : 'PENDING',
    nextAttemptAt: next,
    ...(ok ? { deliveredAt: settledAt } : {}),
  };
}
