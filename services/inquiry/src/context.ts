import DataLoader from 'dataloader';
import {
  answersInKeyOrder,
  readScopeOf,
  scopeAllows,
  type Caller,
  type RequestContext,
} from '@attestor/platform';
import type { Inquiry, InquiryEventRow, Template, WebhookAttempt } from './store/entities.js';
import type { Inquiries } from './flows/inquiries.js';
import type { Templates } from './flows/templates.js';
import type { WebhookRegistry } from './flows/webhooks/registry.js';

/** Per-request loaders: N entity references or list fields cost one query each, within the caller's account. */
export interface Loaders {
  inquiry: DataLoader<string, Inquiry | null>;
  template: DataLoader<string, Template | null>;
  events: DataLoader<string, InquiryEventRow[]>;
  attempts: DataLoader<string, WebhookAttempt[]>;
}

export interface InquiryContext extends RequestContext {
  loaders: Loaders;
}

const idOf = (row: { id: string }) => row.id;

export function createLoaders(
  caller: Caller,
  app: { inquiries: Inquiries; templates: Templates; webhooks: WebhookRegistry },
): Loaders {
  const scope = readScopeOf(caller);
  const accountId = scope?.accountId ?? null;
  // A session sees its own inquiry and nothing else: other ids load as if they did not exist.
  const visible = (id: string) => scope !== null && scopeAllows(scope, id);
  return {
    inquiry: new DataLoader(async (ids) => {
      if (accountId === null) return ids.map(() => null);
      return answersInKeyOrder(ids, await app.inquiries.byIds(accountId, ids.filter(visible)), idOf, null);
    }),
    template: new DataLoader(async (ids) => {
      if (accountId === null) return ids.map(() => null);
      return answersInKeyOrder(ids, await app.templates.byIds(accountId, ids), idOf, null);
    }),
    events: new DataLoader(async (ids) => {
      if (accountId === null) return ids.map(() => []);
      const events = await app.inquiries.eventsOf(accountId, ids);
      return ids.map((id) => events.get(id) ?? []);
    }),
    attempts: new DataLoader(async (ids) => {
      if (accountId === null) return ids.map(() => []);
      const attempts = await app.webhooks.attemptsOf(accountId, ids);
      return ids.map((id) => attempts.get(id) ?? []);
    }),
  };
}
