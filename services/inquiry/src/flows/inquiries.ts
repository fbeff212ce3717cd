import type { EntityManager } from 'typeorm';
import { isUuid, parseInternationalNumber, type InquiryStatus, type RpcReply } from '@attestor/contracts';
import {
  badInput,
  conflict,
  issueSessionToken,
  notFound,
  type Clock,
  type Outbox,
  type PiiCipher,
} from '@attestor/platform';
import {
  checkInquiryFields,
  checkReferenceId,
  type InquiryFields,
  type InquiryFieldsInput,
} from '../domain/fields.js';
import { canonicalJson, checkIdempotencyKey } from '../domain/idempotency.js';
import { checkPageSize, decodeCursor, encodeCursor } from '../domain/cursor.js';
import { unfinishedStatuses } from '../domain/lifecycle.js';
import type { Inquiry, InquiryEventRow, Template } from '../store/entities.js';
import { newId } from '../store/ids.js';
import type { InquiryStores } from '../store/index.js';
import type { Lifecycle } from './lifecycle.js';

export interface CreateInquiryInput {
  templateId: string;
  referenceId?: string | null;
  fields?: InquiryFieldsInput | null;
}

export interface CreatedInquiry {
  inquiry: Inquiry;
  sessionToken: string;
}

export interface InquiryPage {
  edges: Array<{ cursor: string; node: Inquiry }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const COMMENT_MAX_LENGTH = 1000;

export interface InquiriesOptions {
  contextSecret: string;
  idempotencyTtlHours: number;
}

/** Creating, reading, deciding on and redacting inquiries; status changes go through transitions.ts. */
export class Inquiries {
  constructor(
    private readonly stores: InquiryStores,
    private readonly lifecycle: Lifecycle,
    private readonly outbox: Outbox,
    private readonly pii: PiiCipher,
    private readonly clock: Clock,
    private readonly options: InquiriesOptions,
  ) {}

  /**
   * Creates an inquiry, or with an idempotency key replays the first result for the same input. The key
   * is claimed in the creating transaction, so concurrent retries wait for the first and then read it.
   * Without a key the write reads nothing (a template never changes, so its kept copy answers): the
   * inquiry, its history row and its event go to the database as one statement.
   */
  async create(
    accountId: string,
    input: CreateInquiryInput,
    idempotencyKey?: string | null,
  ): Promise<CreatedInquiry> {
    const key = checkIdempotencyKey(idempotencyKey);
    const now = this.clock.now();
    const referenceId = checkReferenceId(input.referenceId);
    const fields = checkInquiryFields(input.fields, now);
    if (key === null) {
      const template = await this.templateOf(this.stores.templates.reader, accountId, input.templateId);
      const inquiry = this.newInquiry(newId(now.getTime()), accountId, template, referenceId, fields, now);
      await this.outbox.insertOnce((batch) => {
        batch.add(this.stores.inquiries.insertStatement(inquiry));
        const created = creationOf(inquiry, template);
        this.lifecycle.recordIn(batch, 'inquiry.created', created.target, created.history, created.data);
      });
      return { inquiry, sessionToken: this.sessionToken(inquiry) };
    }
    // Keyed: the canonical input holds PII, and a plain hash of a phone number is easy to reverse.
    const requestHash = this.pii.hash(canonicalJson({ templateId: input.templateId, referenceId, fields }));
    const outcome = await this.outbox.transaction(async (tx) => {
      const id = newId(now.getTime());
      const expiredBefore = new Date(now.getTime() - this.options.idempotencyTtlHours * 3_600_000);
      const winner = await this.stores.idempotency.claim(
        tx.manager,
        accountId,
        key,
        { inquiryId: id, requestHash },
        now,
        expiredBefore,
      );
      if (winner.inquiryId !== id) {
        if (winner.requestHash !== requestHash) {
          throw conflict('This idempotency key was used with another input');
        }
        return { replayOf: winner.inquiryId };
      }
      const template = await this.templateOf(tx.manager, accountId, input.templateId);
      const inquiry = this.newInquiry(id, accountId, template, referenceId, fields, now);
      await this.stores.inquiries.insert(tx.manager, inquiry);
      const created = creationOf(inquiry, template);
      await this.lifecycle.record(tx, 'inquiry.created', created.target, created.history, created.data);
      return { created: inquiry };
    });
    const inquiry = 'created' in outcome ? outcome.created : await this.get(accountId, outcome.replayOf);
    if (!inquiry) throw notFound('Inquiry');
    return { inquiry, sessionToken: this.sessionToken(inquiry) };
  }

  private async templateOf(db: EntityManager, accountId: string, templateId: string): Promise<Template> {
    if (!isUuid(templateId)) throw notFound('Template');
    const template = await this.stores.templates.ofAccount(db, accountId, templateId);
    if (!template) throw notFound('Template');
    return template;
  }

  private newInquiry(
    id: string,
    accountId: string,
    template: Template,
    referenceId: string | null,
    fields: InquiryFields,
    now: Date,
  ): Inquiry {
    return {
      id,
      accountId,
      templateId: template.id,
      referenceId,
      status: 'CREATED',
      stepsDone: {},
      identityStatus: null,
      nameMatch: null,
      nameFirstSealed: this.pii.sealNullable(fields.nameFirst),
      nameMiddleSealed: this.pii.sealNullable(fields.nameMiddle),
      nameLastSealed: this.pii.sealNullable(fields.nameLast),
      birthdateSealed: this.pii.sealNullable(fields.birthdate),
      phoneNumberSealed: this.pii.sealNullable(fields.phoneNumber),
      phoneHash: fields.phoneNumber === null ? null : this.pii.hash(fields.phoneNumber),
      createdAt: now,
      startedAt: null,
      completedAt: null,
      decidedAt: null,
      expiresAt: new Date(now.getTime() + template.expiresInSeconds * 1000),
      redactedAt: null,
      sendHeldUntil: null,
      updatedAt: now,
    };
  }

  /** Drops idempotency keys past their TTL (their replay window is over). */
  async purgeIdempotencyKeys(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.options.idempotencyTtlHours * 3_600_000);
    return this.stores.idempotency.purge(this.stores.idempotency.reader, before);
  }

  /** The hosted flow's token: deterministic, so a replayed create hands out the same one. */
  sessionToken(inquiry: Inquiry): string {
    return issueSessionToken(this.options.contextSecret, {
      accountId: inquiry.accountId,
      inquiryId: inquiry.id,
      expiresAt: inquiry.expiresAt,
    });
  }

  async get(accountId: string, id: string): Promise<Inquiry | null> {
    if (!isUuid(id)) return null;
    return this.stores.inquiries.get(this.stores.inquiries.reader, accountId, id);
  }

  byIds(accountId: string, ids: readonly string[]): Promise<Inquiry[]> {
    return this.stores.inquiries.byIds(this.stores.inquiries.reader, accountId, ids.filter(isUuid));
  }

  /** Newest first, `first` at a time, after an opaque cursor; optionally one status or reference id. */
  async page(
    accountId: string,
    args: {
      first?: number | null;
      after?: string | null;
      status?: InquiryStatus | null;
      referenceId?: string | null;
    },
  ): Promise<InquiryPage> {
    const size = checkPageSize(args.first);
    const rows = await this.stores.inquiries.page(this.stores.inquiries.reader, accountId, {
      before: args.after === null || args.after === undefined ? null : decodeCursor(args.after),
      status: args.status ?? null,
      referenceId: args.referenceId ?? null,
      take: size + 1,
    });
    const nodes = rows.slice(0, size);
    const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
    return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  /** Events of several inquiries, oldest first per inquiry (one query for a whole page). */
  eventsOf(accountId: string, inquiryIds: readonly string[]): Promise<Map<string, InquiryEventRow[]>> {
    return this.stores.inquiries.eventsOf(this.stores.inquiries.reader, accountId, inquiryIds);
  }

  /** The operator's decision on a reviewed, completed or failed inquiry. */
  async decideByOperator(
    accountId: string,
    id: string,
    decision: 'APPROVED' | 'DECLINED',
    comment: string | null | undefined,
  ): Promise<Inquiry> {
    if (comment !== null && comment !== undefined && comment.length > COMMENT_MAX_LENGTH) {
      throw badInput(`A comment may have at most ${COMMENT_MAX_LENGTH} characters`, 'comment');
    }
    if (!isUuid(id)) throw notFound('Inquiry');
    const now = this.clock.now();
    return this.outbox.transaction(async (tx) => {
      const inquiry = await this.lifecycle.lock(tx, accountId, id);
      if (!inquiry) throw notFound('Inquiry');
      const reason = decision === 'APPROVED' ? 'approved by the account' : 'declined by the account';
      return this.lifecycle.onRequest(
        tx,
        inquiry,
        { to: decision, cause: 'operator-decision', reason, comment: comment ?? null },
        now,
      );
    });
  }

  /**
   * Erases the end user's data here at once and tells every other service to erase its copy. The
   * inquiry keeps its id, status and timestamps. A second call changes and publishes nothing.
   */
  async redact(accountId: string, id: string): Promise<Inquiry> {
    if (!isUuid(id)) throw notFound('Inquiry');
    const now = this.clock.now();
    return this.outbox.transaction(async (tx) => {
      const inquiry = await this.lifecycle.lock(tx, accountId, id);
      if (!inquiry) throw notFound('Inquiry');
      if (inquiry.redactedAt) return inquiry;
      const erased: Partial<Inquiry> = {
        nameFirstSealed: null,
        nameMiddleSealed: null,
        nameLastSealed: null,
        birthdateSealed: null,
        phoneNumberSealed: null,
        phoneHash: null,
        redactedAt: now,
        updatedAt: now,
      };
      await this.stores.inquiries.update(tx.manager, id, erased);
      await this.lifecycle.record(
        tx,
        'inquiry.redacted',
        { accountId, inquiryId: id, at: now },
        { fromStatus: null, toStatus: null, reason: 'redacted by the account' },
        { redactedAt: now.toISOString() },
      );
      return { ...inquiry, ...erased };
    });
  }

  /** The end user's data in clear (null everywhere once redacted). */
  fieldsOf(inquiry: Inquiry): InquiryFields {
    return {
      nameFirst: this.pii.openNullable(inquiry.nameFirstSealed),
      nameMiddle: this.pii.openNullable(inquiry.nameMiddleSealed),
      nameLast: this.pii.openNullable(inquiry.nameLastSealed),
      birthdate: this.pii.openNullable(inquiry.birthdateSealed),
      phoneNumber: this.pii.openNullable(inquiry.phoneNumberSealed),
    };
  }

  /**
   * What phone and identity ask before acting on an inquiry (`rpc.inquiry.lookup`); with
   * `holdForSendMs`, the phone service's last ask before a send, an open inquiry is also held open
   * that long — under its row lock, in a transaction of its own — so the sweeper cannot expire it
   * while the code goes out.
   */
  async lookup(
    accountId: string,
    inquiryId: string,
    holdForSendMs?: number,
  ): Promise<RpcReply<'rpc.inquiry.lookup'>> {
    if (!isUuid(accountId) || !isUuid(inquiryId)) return { held: false, inquiry: null };
    const hold =
      holdForSendMs === undefined ? null : await this.holdForSend(accountId, inquiryId, holdForSendMs);
    const inquiry = hold === null ? await this.get(accountId, inquiryId) : hold.inquiry;
    if (!inquiry) return { held: false, inquiry: null };
    const reader = this.stores.inquiries.reader;
    const template = await this.stores.templates.ofInquiry(reader, inquiry.templateId);
    const account = await this.stores.accounts.account(reader, accountId);
    const names = [inquiry.nameFirstSealed, inquiry.nameMiddleSealed, inquiry.nameLastSealed];
    const phone = this.pii.openNullable(inquiry.phoneNumberSealed);
    const parsed = phone === null ? null : parseInternationalNumber(phone);
    return {
      held: hold?.held ?? false,
      inquiry: {
        id: inquiry.id,
        accountId: inquiry.accountId,
        status: inquiry.status,
        steps: template.steps,
        expiresAt: inquiry.expiresAt.toISOString(),
        redacted: inquiry.redactedAt !== null,
        accountName: account?.name ?? '',
        identityMatch: template.identityMatch,
        phoneCountryCode: parsed?.ok ? parsed.number.countryCode : null,
        nameSealed: names.every((name) => name === null)
          ? null
          : {
              first: inquiry.nameFirstSealed,
              middle: inquiry.nameMiddleSealed,
              last: inquiry.nameLastSealed,
            },
      },
    };
  }

  /** Holds an open inquiry open for a send (see `lookup`): whether it did, and the inquiry as it now is. */
  private async holdForSend(
    accountId: string,
    inquiryId: string,
    ms: number,
  ): Promise<{ held: boolean; inquiry: Inquiry | null }> {
    const now = this.clock.now();
    const held = await this.stores.inquiries.holdOpen(
      this.stores.inquiries.reader,
      accountId,
      inquiryId,
      unfinishedStatuses,
      now,
      new Date(now.getTime() + ms),
    );
    if (held) return { held: true, inquiry: held };
    return { held: false, inquiry: await this.get(accountId, inquiryId) };
  }
}

/** What a creation records: its history row and the `inquiry.created` event's data. */
function creationOf(inquiry: Inquiry, template: Template) {
  return {
    target: { accountId: inquiry.accountId, inquiryId: inquiry.id, at: inquiry.createdAt },
    history: { fromStatus: null, toStatus: 'CREATED' as const, reason: null },
    data: {
      templateId: template.id,
      referenceId: inquiry.referenceId,
      steps: template.steps,
      status: 'CREATED' as const,
    },
  };
}
