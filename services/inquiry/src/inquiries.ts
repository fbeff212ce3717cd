import { In, LessThan, type DataSource, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { isUuid, parseInternationalNumber, type InquiryStatus, type RpcReply } from '@attestor/contracts';
import {
  badInput,
  conflict,
  issueSessionToken,
  notFound,
  qualified,
  type Outbox,
  type PiiCipher,
} from '@attestor/platform';
import {
  checkInquiryFields,
  checkReferenceId,
  type InquiryFields,
  type InquiryFieldsInput,
} from './domain/fields.js';
import { canonicalJson, checkIdempotencyKey } from './domain/idempotency.js';
import { checkPageSize, decodeCursor, encodeCursor } from './domain/cursor.js';
import {
  AccountEntity,
  IdempotencyKeyEntity,
  InquiryEntity,
  InquiryEventEntity,
  TemplateEntity,
  type Inquiry,
  type InquiryEventRow,
} from './store/entities.js';
import { newId } from './store/ids.js';
import { lockInquiry, recordInquiryEvent, transitionOnRequest } from './transitions.js';
import type { Clock } from './clock.js';

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
  private readonly idempotencyTable: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly pii: PiiCipher,
    private readonly clock: Clock,
    private readonly options: InquiriesOptions,
    schema: string,
  ) {
    this.idempotencyTable = qualified(schema, 'idempotency_keys');
  }

  /**
   * Creates an inquiry, or with an idempotency key replays the first result for the same input. The key
   * is claimed in the creating transaction, so concurrent retries wait for the first and then read it.
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
    // Keyed: the canonical input holds PII, and a plain hash of a phone number is easy to reverse.
    const requestHash = this.pii.hash(canonicalJson({ templateId: input.templateId, referenceId, fields }));
    const outcome = await this.outbox.transaction(async (tx) => {
      const id = newId(now.getTime());
      if (key !== null) {
        const winner = await this.claimKey(tx.manager, accountId, key, requestHash, id, now);
        if (winner.inquiryId !== id) {
          if (winner.requestHash !== requestHash) {
            throw conflict('This idempotency key was used with another input');
          }
          return { replayOf: winner.inquiryId };
        }
      }
      if (!isUuid(input.templateId)) throw notFound('Template');
      const template = await tx.manager
        .getRepository(TemplateEntity)
        .findOneBy({ id: input.templateId, accountId });
      if (!template) throw notFound('Template');
      const inquiry: Inquiry = {
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
        updatedAt: now,
      };
      await tx.manager.getRepository(InquiryEntity).insert(inquiry);
      await recordInquiryEvent(
        tx,
        'inquiry.created',
        { accountId, inquiryId: id, at: now },
        { fromStatus: null, toStatus: 'CREATED', reason: null },
        { templateId: template.id, referenceId, steps: template.steps, status: 'CREATED' },
      );
      return { created: inquiry };
    });
    const inquiry = 'created' in outcome ? outcome.created : await this.get(accountId, outcome.replayOf);
    if (!inquiry) throw notFound('Inquiry');
    return { inquiry, sessionToken: this.sessionToken(inquiry) };
  }

  /**
   * Claims `key` for `inquiryId`, or returns the claim that holds it. The insert waits on a concurrent
   * claim of the same key until that transaction ends; a claim older than the TTL is taken over.
   */
  private async claimKey(
    manager: EntityManager,
    accountId: string,
    key: string,
    requestHash: string,
    inquiryId: string,
    now: Date,
  ): Promise<{ inquiryId: string; requestHash: string }> {
    const expiredBefore = new Date(now.getTime() - this.options.idempotencyTtlHours * 3_600_000);
    const claimed = (await manager.query(
      `INSERT INTO ${this.idempotencyTable} (account_id, key, request_hash, inquiry_id, created_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, inquiry_id = EXCLUDED.inquiry_id, created_at = EXCLUDED.created_at
         WHERE ${this.idempotencyTable}.created_at < $6
       RETURNING inquiry_id`,
      [accountId, key, requestHash, inquiryId, now, expiredBefore],
    )) as unknown[];
    if (claimed.length === 1) return { inquiryId, requestHash };
    const [holder] = (await manager.query(
      `SELECT inquiry_id, request_hash FROM ${this.idempotencyTable} WHERE account_id = $1 AND key = $2`,
      [accountId, key],
    )) as Array<{ inquiry_id: string; request_hash: string }>;
    if (!holder) throw new Error('idempotency key vanished while it was being claimed');
    return { inquiryId: holder.inquiry_id, requestHash: holder.request_hash };
  }

  /** Drops idempotency keys past their TTL (their replay window is over). */
  async purgeIdempotencyKeys(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.options.idempotencyTtlHours * 3_600_000);
    const result = await this.dataSource
      .getRepository(IdempotencyKeyEntity)
      .delete({ createdAt: LessThan(before) });
    return result.affected ?? 0;
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
    return this.dataSource.getRepository(InquiryEntity).findOneBy({ id, accountId });
  }

  byIds(accountId: string, ids: readonly string[]): Promise<Inquiry[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return Promise.resolve([]);
    return this.dataSource.getRepository(InquiryEntity).findBy({ accountId, id: In(valid) });
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
    const where: FindOptionsWhere<Inquiry> = { accountId };
    if (args.after !== null && args.after !== undefined) where.id = LessThan(decodeCursor(args.after));
    if (args.status) where.status = args.status;
    if (args.referenceId !== null && args.referenceId !== undefined) where.referenceId = args.referenceId;
    const rows = await this.dataSource
      .getRepository(InquiryEntity)
      .find({ where, order: { id: 'DESC' }, take: size + 1 });
    const nodes = rows.slice(0, size);
    const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
    return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  /** Events of several inquiries, oldest first per inquiry (one query for a whole page). */
  async eventsOf(accountId: string, inquiryIds: readonly string[]): Promise<Map<string, InquiryEventRow[]>> {
    const rows = await this.dataSource
      .getRepository(InquiryEventEntity)
      .find({ where: { accountId, inquiryId: In([...inquiryIds]) }, order: { id: 'ASC' } });
    const byInquiry = new Map<string, InquiryEventRow[]>();
    for (const row of rows) byInquiry.set(row.inquiryId, [...(byInquiry.get(row.inquiryId) ?? []), row]);
    return byInquiry;
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
      const inquiry = await lockInquiry(tx.manager, accountId, id);
      if (!inquiry) throw notFound('Inquiry');
      const reason = decision === 'APPROVED' ? 'approved by the account' : 'declined by the account';
      return transitionOnRequest(
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
      const inquiry = await lockInquiry(tx.manager, accountId, id);
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
      await tx.manager.getRepository(InquiryEntity).update({ id }, erased);
      await recordInquiryEvent(
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

  /** What phone and identity ask before acting on an inquiry (`rpc.inquiry.lookup`). */
  async lookup(accountId: string, inquiryId: string): Promise<RpcReply<'rpc.inquiry.lookup'>> {
    if (!isUuid(accountId) || !isUuid(inquiryId)) return { inquiry: null };
    const inquiry = await this.get(accountId, inquiryId);
    if (!inquiry) return { inquiry: null };
    const template = await this.dataSource
      .getRepository(TemplateEntity)
      .findOneByOrFail({ id: inquiry.templateId });
    const account = await this.dataSource.getRepository(AccountEntity).findOneByOrFail({ id: accountId });
    const names = [inquiry.nameFirstSealed, inquiry.nameMiddleSealed, inquiry.nameLastSealed];
    const phone = this.pii.openNullable(inquiry.phoneNumberSealed);
    const parsed = phone === null ? null : parseInternationalNumber(phone);
    return {
      inquiry: {
        id: inquiry.id,
        accountId: inquiry.accountId,
        status: inquiry.status,
        steps: template.steps,
        expiresAt: inquiry.expiresAt.toISOString(),
        redacted: inquiry.redactedAt !== null,
        accountName: account.name,
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
}
