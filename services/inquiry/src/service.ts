import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ServiceDefinition } from '@attestor/platform';
import type { InquiryConfig } from './config.js';
import { createLoaders, type InquiryContext } from './context.js';
import { inquiryConsumers } from './events.js';
import { Accounts } from './flows/accounts.js';
import { ExpirySweeper } from './flows/expiry.js';
import { Inquiries } from './flows/inquiries.js';
import { Lifecycle } from './flows/lifecycle.js';
import { Templates } from './flows/templates.js';
import { WebhookRegistry } from './flows/webhooks/registry.js';
import { WebhookSender, webhookAttemptCounter } from './flows/webhooks/sender.js';
import { createResolvers } from './resolvers.js';
import { inquiryResponders } from './rpc.js';
import { entities } from './store/entities.js';
import { inquiryStores } from './store/index.js';
import { CreateInquiryTables1764201600000 } from './store/migrations/CreateInquiryTables1764201600000.js';
import { InquirySendHold1765300000000 } from './store/migrations/InquirySendHold1765300000000.js';
import { TemplateRedirectUrl1765400000000 } from './store/migrations/TemplateRedirectUrl1765400000000.js';
import { TemplateNoNameData1764950000000 } from './store/migrations/TemplateNoNameData1764950000000.js';

const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface InquiryServiceOptions {
  /** The webhook retry jitter's randomness (tests pin it). */
  random?: () => number;
}

/** The inquiry subgraph: accounts and keys, templates, the inquiry lifecycle, webhooks. */
export function createInquiryService(
  options: InquiryServiceOptions = {},
): ServiceDefinition<InquiryConfig, InquiryContext> {
  return {
    name: 'inquiry',
    entities,
    migrations: [
      CreateInquiryTables1764201600000,
      TemplateNoNameData1764950000000,
      InquirySendHold1765300000000,
      TemplateRedirectUrl1765400000000,
    ],
    build: ({ config, dataSource, outbox, pii, bus, logger, schema, clock, metrics }) => {
      const stores = inquiryStores(dataSource, schema);
      const lifecycle = new Lifecycle(stores);
      const accounts = new Accounts(stores.accounts, outbox, clock);
      const templates = new Templates(stores.templates, clock);
      const inquiries = new Inquiries(stores, lifecycle, outbox, pii, clock, {
        contextSecret: config.CONTEXT_SECRET,
        idempotencyTtlHours: config.IDEMPOTENCY_TTL_HOURS,
      });
      const webhooks = new WebhookRegistry(stores.webhooks, stores.accounts, outbox, pii, clock, {
        allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
        maxPerAccount: config.WEBHOOK_MAX_PER_ACCOUNT,
        retryHours: config.WEBHOOK_RETRY_HOURS,
      });
      const sender = new WebhookSender(
        stores.webhooks,
        outbox,
        pii,
        clock,
        logger.child({ worker: 'webhook-sender' }),
        {
          concurrency: config.WEBHOOK_CONCURRENCY,
          perEndpoint: config.WEBHOOK_CONCURRENCY_PER_ENDPOINT,
          timeoutMs: config.WEBHOOK_TIMEOUT_MS,
          pollMs: config.WEBHOOK_POLL_MS,
          allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
          ...(options.random ? { random: options.random } : {}),
          onSettled: webhookAttemptCounter(metrics),
        },
      );
      const sweeper = new ExpirySweeper(
        {
          inquiryStore: stores.inquiries,
          lifecycle,
          outbox,
          inquiries,
          clock,
          logger: logger.child({ worker: 'expiry-sweeper' }),
        },
        { intervalMs: config.EXPIRY_SWEEP_MS, batchSize: config.EXPIRY_SWEEP_BATCH },
      );
      const app = { accounts, templates, inquiries, webhooks, wakeSender: () => sender.wake() };
      return {
        typeDefs,
        resolvers: createResolvers(app),
        context: (base) => ({ ...base, loaders: createLoaders(base.caller, app) }),
        consumers: inquiryConsumers({
          lifecycle,
          webhooks: stores.webhooks,
          clock,
          webhookRetryHours: config.WEBHOOK_RETRY_HOURS,
        }),
        workers: [...inquiryResponders(bus, logger, accounts, inquiries), sweeper, sender],
      };
    },
  };
}

export const inquiryService = createInquiryService();
