import type { DataSource } from 'typeorm';
import { AccountStore } from './accounts.js';
import { IdempotencyStore } from './idempotency.js';
import { InquiryStore } from './inquiries.js';
import { TemplateStore } from './templates.js';
import { WebhookStore } from './webhooks.js';

/** Every store of the inquiry schema, made once per service. */
export interface InquiryStores {
  accounts: AccountStore;
  templates: TemplateStore;
  inquiries: InquiryStore;
  idempotency: IdempotencyStore;
  webhooks: WebhookStore;
}

export function inquiryStores(dataSource: DataSource, schema: string): InquiryStores {
  return {
    accounts: new AccountStore(dataSource, schema),
    templates: new TemplateStore(dataSource, schema),
    inquiries: new InquiryStore(dataSource, schema),
    idempotency: new IdempotencyStore(dataSource, schema),
    webhooks: new WebhookStore(dataSource, schema),
  };
}
