import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ServiceDefinition } from '@attestor/platform';
import { Accounts } from './accounts.js';
import { systemClock, type Clock } from './clock.js';
import type { InquiryConfig } from './config.js';
import { createLoaders, type InquiryContext } from './context.js';
import { inquiryConsumers } from './events.js';
import { ExpirySweeper } from './expiry-sweeper.js';
import { Inquiries } from './inquiries.js';
import { createResolvers } from './resolvers.js';
import { inquiryResponders } from './rpc.js';
import { entities } from './store/entities.js';
import { CreateInquiryTables1764201600000 } from './store/migrations/CreateInquiryTables1764201600000.js';
import { Templates } from './templates.js';
import { WebhookRegistry } from './webhooks/registry.js';
import { WebhookSender } from './webhooks/sender.js';

const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface InquiryServiceOptions {
  /** The time the workers and the webhook fan-out go by; tests move it. */
  clock?: Clock;
  /** The webhook retry jitter's randomness (tests pin it). */
  random?: () => number;
}

/** The inquiry subgraph: accounts and keys, templates, the inquiry lifecycle, webhooks. */
export function createInquiryService(
  options: InquiryServiceOptions = {},
): ServiceDefinition<InquiryConfig, InquiryContext> {
  const clock = options.clock ?? systemClock;
  return {
    name: 'inquiry',
    entities,
    migrations: [CreateInquiryTables1764201600000],
    build: ({ config, dataSource, outbox, pii, bus, logger, schema }) => {
      const accounts = new Accounts(dataSource, outbox, clock);
      const templates = new Templates(dataSource, clock);
      const inquiries = new Inquiries(
        dataSource,
        outbox,
        pii,
        clock,
        { contextSecret: config.CONTEXT_SECRET, idempotencyTtlHours: config.IDEMPOTENCY_TTL_HOURS },
        schema,
      );
      const webhooks = new WebhookRegistry(dataSource, pii, clock, {
        allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
        maxPerAccount: config.WEBHOOK_MAX_PER_ACCOUNT,
        retryHours: config.WEBHOOK_RETRY_HOURS,
      });
      const sender = new WebhookSender(dataSource, pii, clock, logger.child({ worker: 'webhook-sender' }), {
        schema,
        concurrency: config.WEBHOOK_CONCURRENCY,
        perEndpoint: config.WEBHOOK_CONCURRENCY_PER_ENDPOINT,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        pollMs: config.WEBHOOK_POLL_MS,
        allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
        ...(options.random ? { random: options.random } : {}),
      });
      const sweeper = new ExpirySweeper(
        dataSource,
        outbox,
        inquiries,
        clock,
        logger.child({ worker: 'expiry-sweeper' }),
        {
          intervalMs: config.EXPIRY_SWEEP_MS,
          batchSize: config.EXPIRY_SWEEP_BATCH,
        },
      );
      const app = { accounts, templates, inquiries, webhooks, wakeSender: () => sender.wake() };
      return {
        typeDefs,
        resolvers: createResolvers(app),
        context: (base) => ({ ...base, loaders: createLoaders(base.caller, app) }),
        consumers: inquiryConsumers({ clock, webhookRetryHours: config.WEBHOOK_RETRY_HOURS }),
        workers: [...inquiryResponders(bus, logger, accounts, inquiries), sweeper, sender],
      };
    },
  };
}

export const inquiryService = createInquiryService();
