import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@attestor/platform/testing';
import { startHarness, TestClock, type Harness, type TestAccount } from './harness.js';
import { Receiver } from './receiver.js';

const clock = new TestClock();
const receiver = new Receiver();
let h: Harness;
let acme: TestAccount;

beforeAll(async () => {
  await receiver.start();
  // No scheduled expiry during the test: the clock jumps a day ahead and the inquiries are not the subject.
  h = await startHarness({ service: { clock }, overrides: { EXPIRY_SWEEP_MS: '3600000' } });
  acme = await h.createAccount('Acme');
});
afterAll(async () => {
  await h?.stop();
  await receiver.stop();
});

interface DeliveryRow {
  id: string;
  status: string;
  attempts: number;
  next_attempt_at: Date | null;
  created_at: Date;
  last_status_code: number | null;
}

/** The webhook's first delivery: a later inquiry adds another, and an unordered read may return that one. */
const deliveryOf = async (webhookId: string) =>
  (
    await h.sql<DeliveryRow>(
      `SELECT id, status, attempts, next_attempt_at, created_at, last_status_code FROM $schema.webhook_deliveries
        WHERE webhook_id = $1 ORDER BY created_at, id LIMIT 1`,
      [webhookId],
    )
  )[0];

describe('webhook retries over a day (fake clock)', () => {
  it('keeps retrying a failing endpoint for at least 24 hours, then stops with FAILED', async () => {
    receiver.on('/down', [500]);
    receiver.on('/sentinel', [200]);
    const templateId = await h.createTemplate(acme.partner, { steps: ['PHONE_OTP'] });
    const hook = await h.ok<{ createWebhook: { id: string } }>(
      acme.partner,
      `mutation ($url: String!) { createWebhook(url: $url, events: ["inquiry.created"]) { id } }`,
      { url: `${receiver.url}/down` },
    );
    const webhookId = hook.createWebhook.id;
    await h.createInquiry(acme.partner, { templateId });
    const created = await eventually(() => deliveryOf(webhookId), { what: 'the delivery' });

    let attempts = 0;
    const gaps: number[] = [];
    let previousAttemptAt = clock.now().getTime();
    for (;;) {
      const current = await eventually(
        async () => {
          const row = await deliveryOf(webhookId);
          return row && row.attempts === attempts + 1 ? row : undefined;
        },
        { what: `attempt ${attempts + 1}` },
      );
      attempts = current.attempts;
      if (current.status === 'FAILED') break;
      expect(current.status).toBe('PENDING');
      const next = new Date(current.next_attempt_at ?? 0);
      gaps.push(next.getTime() - previousAttemptAt);
      previousAttemptAt = next.getTime();
      clock.advanceTo(next);
      expect(attempts).toBeLessThan(100);
    }

    const final = await deliveryOf(webhookId);
    expect(final).toMatchObject({ status: 'FAILED', last_status_code: 500, next_attempt_at: null });
    const log = await h.sql<{ at: Date }>(
      `SELECT at FROM $schema.webhook_attempts WHERE delivery_id = $1 ORDER BY id`,
      [created.id],
    );
    expect(log).toHaveLength(attempts);
    const span = new Date(log.at(-1)?.at ?? 0).getTime() - new Date(final?.created_at ?? 0).getTime();
    expect(span).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(span).toBeLessThanOrEqual(h.config.WEBHOOK_RETRY_HOURS * 3_600_000 + 60_000);
    // Exponential at first, then capped at an hour (with jitter).
    expect(gaps[1] ?? 0).toBeGreaterThan(gaps[0] ?? 0);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3_600_000 * 1.2 + 1000);
    expect(receiver.at('/down')).toHaveLength(attempts);

    // Nothing more after FAILED, however far the clock moves: a later delivery to another endpoint
    // goes through while the failed one stays as it was.
    clock.advanceBy(48 * 3_600_000);
    await h.ok(
      acme.partner,
      `mutation ($url: String!) { createWebhook(url: $url, events: ["inquiry.created"]) { id } }`,
      {
        url: `${receiver.url}/sentinel`,
      },
    );
    await h.createInquiry(acme.partner, { templateId });
    await eventually(() => receiver.at('/sentinel').length === 1, { what: 'the sentinel delivery' });
    expect((await deliveryOf(webhookId))?.attempts).toBe(attempts);
    // /down got the second inquiry's event as a new delivery, but the failed one was not retried.
    const downDeliveries = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM $schema.webhook_deliveries WHERE webhook_id = $1 AND status = 'FAILED'`,
      [webhookId],
    );
    expect(downDeliveries[0]?.n).toBe(1);
  });
});
