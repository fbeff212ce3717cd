import type { InquiryStatus } from '@attestor/contracts';
import {
  accountOf,
  DateTimeScalar,
  maySeePii,
  notFound,
  requireAdmin,
  requirePartner,
  type Resolvers,
} from '@attestor/platform';
import { maskFields } from './domain/masking.js';
import type { InquiryFieldsInput } from './domain/fields.js';
import type { TemplateInput } from './domain/template.js';
import type { Inquiry, Webhook, WebhookDelivery } from './store/entities.js';
import type { InquiryContext } from './context.js';
import type { Accounts } from './flows/accounts.js';
import type { Inquiries } from './flows/inquiries.js';
import type { Templates } from './flows/templates.js';
import type { WebhookRegistry, WebhookView } from './flows/webhooks/registry.js';

export interface InquiryApp {
  accounts: Accounts;
  templates: Templates;
  inquiries: Inquiries;
  webhooks: WebhookRegistry;
  /** Called after a replay so the sender does not wait for its next poll. */
  wakeSender(): void;
}

type Parent = unknown;

/** Thin: check the caller, hand the arguments to the domain and the store, return what they answer. */
export function createResolvers(app: InquiryApp): Resolvers<InquiryContext> {
  return {
    DateTime: DateTimeScalar,
    Query: {
      inquiry: (_: Parent, { id }: { id: string }, ctx: InquiryContext) => {
        accountOf(ctx.caller);
        return ctx.loaders.inquiry.load(id);
      },
      inquiries: (
        _: Parent,
        args: {
          first?: number | null;
          after?: string | null;
          status?: InquiryStatus | null;
          referenceId?: string | null;
        },
        ctx: InquiryContext,
      ) => app.inquiries.page(requirePartner(ctx.caller).accountId, args),
      account: async (_: Parent, __: Parent, ctx: InquiryContext) => {
        const account = await app.accounts.account(requirePartner(ctx.caller).accountId);
        if (!account) throw notFound('Account');
        return account;
      },
      apiKeys: (_: Parent, __: Parent, ctx: InquiryContext) =>
        app.accounts.apiKeys(requirePartner(ctx.caller).accountId),
      inquiryTemplates: (_: Parent, __: Parent, ctx: InquiryContext) =>
        app.templates.list(requirePartner(ctx.caller).accountId),
      webhooks: (_: Parent, __: Parent, ctx: InquiryContext) =>
        app.webhooks.list(requirePartner(ctx.caller).accountId),
    },
    Mutation: {
      createAccount: (_: Parent, { name }: { name: string }, ctx: InquiryContext) => {
        requireAdmin(ctx.caller);
        return app.accounts.createAccount(name);
      },
      createApiKey: (_: Parent, { scopes }: { scopes?: string[] | null }, ctx: InquiryContext) =>
        app.accounts.createApiKey(requirePartner(ctx.caller), scopes),
      revokeApiKey: (_: Parent, { id }: { id: string }, ctx: InquiryContext) =>
        app.accounts.revokeApiKey(requirePartner(ctx.caller).accountId, id),
      createInquiryTemplate: (_: Parent, { input }: { input: TemplateInput }, ctx: InquiryContext) =>
        app.templates.create(requirePartner(ctx.caller).accountId, input),
      createInquiry: (
        _: Parent,
        args: {
          input: { templateId: string; referenceId?: string | null; fields?: InquiryFieldsInput | null };
          idempotencyKey?: string | null;
        },
        ctx: InquiryContext,
      ) => app.inquiries.create(requirePartner(ctx.caller).accountId, args.input, args.idempotencyKey),
      approveInquiry: (_: Parent, args: { id: string; comment?: string | null }, ctx: InquiryContext) =>
        app.inquiries.decideByOperator(
          requirePartner(ctx.caller).accountId,
          args.id,
          'APPROVED',
          args.comment,
        ),
      declineInquiry: (_: Parent, args: { id: string; comment?: string | null }, ctx: InquiryContext) =>
        app.inquiries.decideByOperator(
          requirePartner(ctx.caller).accountId,
          args.id,
          'DECLINED',
          args.comment,
        ),
      redactInquiry: (_: Parent, { id }: { id: string }, ctx: InquiryContext) =>
        app.inquiries.redact(requirePartner(ctx.caller).accountId, id),
      createWebhook: (_: Parent, args: { url: string; events: string[] }, ctx: InquiryContext) =>
        app.webhooks.create(requirePartner(ctx.caller).accountId, args.url, args.events),
      deleteWebhook: (_: Parent, { id }: { id: string }, ctx: InquiryContext) =>
        app.webhooks.delete(requirePartner(ctx.caller).accountId, id),
      replayWebhookDelivery: async (_: Parent, { id }: { id: string }, ctx: InquiryContext) => {
        const delivery = await app.webhooks.replay(requirePartner(ctx.caller).accountId, id);
        app.wakeSender();
        return delivery;
      },
    },
    Account: {
      __resolveReference: (reference: { id: string }, ctx: InquiryContext) => {
        const own =
          ctx.caller.kind === 'partner' || ctx.caller.kind === 'session' ? ctx.caller.accountId : null;
        return own === reference.id ? app.accounts.account(own) : null;
      },
    },
    InquiryTemplate: {
      __resolveReference: (reference: { id: string }, ctx: InquiryContext) =>
        ctx.loaders.template.load(reference.id),
    },
    Inquiry: {
      __resolveReference: (reference: { id: string }, ctx: InquiryContext) =>
        ctx.loaders.inquiry.load(reference.id),
      template: async (inquiry: Inquiry, _: Parent, ctx: InquiryContext) => {
        const template = await ctx.loaders.template.load(inquiry.templateId);
        if (!template) throw notFound('Template');
        return template;
      },
      fields: (inquiry: Inquiry, _: Parent, ctx: InquiryContext) => {
        const fields = app.inquiries.fieldsOf(inquiry);
        return maySeePii(ctx.caller) ? fields : maskFields(fields);
      },
      events: (inquiry: Inquiry, _: Parent, ctx: InquiryContext) => ctx.loaders.events.load(inquiry.id),
    },
    Webhook: {
      secret: (webhook: WebhookView) => webhook.secret ?? null,
      deliveries: (webhook: Webhook, { first }: { first?: number | null }) =>
        app.webhooks.deliveries(webhook.accountId, webhook.id, first),
    },
    WebhookDelivery: {
      attemptLog: (delivery: WebhookDelivery, _: Parent, ctx: InquiryContext) =>
        ctx.loaders.attempts.load(delivery.id),
    },
  };
}
