import {
  In,
  IsNull,
  LessThan,
  LessThanOrEqual,
  Or,
  type EntityManager,
  type FindOptionsWhere,
} from 'typeorm';
import type { InquiryStatus } from '@attestor/contracts';
import { Store, type Statement } from '@attestor/platform';
import { InquiryEntity, InquiryEventEntity, type Inquiry, type InquiryEventRow } from './entities.js';

/** Inquiries and their event history. */
export class InquiryStore extends Store {
  // The hot paths (every start, check and live update reads or moves an inquiry) are plain SQL.

  async insert(db: EntityManager, inquiry: Inquiry): Promise<void> {
    await this.insertAs(db, InquiryEntity, [inquiry]);
  }

  /** insert's statement, for a write sent as one (Outbox.insertOnce). */
  insertStatement(inquiry: Inquiry): Statement {
    return this.insertStatementOf(InquiryEntity, [inquiry]);
  }

  async get(db: EntityManager, accountId: string, id: string): Promise<Inquiry | null> {
    return (await this.byIds(db, accountId, [id]))[0] ?? null;
  }

  async byIds(db: EntityManager, accountId: string, ids: readonly string[]): Promise<Inquiry[]> {
    if (ids.length === 0) return [];
    const rows = (await db.query(
      `SELECT ${this.columnsOf(InquiryEntity)} FROM ${this.table('inquiries')}
        WHERE account_id = $1 AND id = ANY($2::uuid[])`,
      [accountId, ids],
    )) as Array<Record<string, unknown>>;
    return this.rowsAs(InquiryEntity, rows);
  }

  /** The inquiry, locked until the transaction ends. */
  async lock(db: EntityManager, accountId: string, id: string): Promise<Inquiry | null> {
    const rows = (await db.query(
      `SELECT ${this.columnsOf(InquiryEntity)} FROM ${this.table('inquiries')}
        WHERE account_id = $1 AND id = $2 FOR UPDATE`,
      [accountId, id],
    )) as Array<Record<string, unknown>>;
    return this.rowsAs(InquiryEntity, rows)[0] ?? null;
  }

  /** Newest first, `take` rows older than `before` (an id), optionally one status or reference id. */
  async page(
    db: EntityManager,
    accountId: string,
    filter: { before: string | null; status: InquiryStatus | null; referenceId: string | null; take: number },
  ): Promise<Inquiry[]> {
    const where: FindOptionsWhere<Inquiry> = { accountId };
    if (filter.before !== null) where.id = LessThan(filter.before);
    if (filter.status !== null) where.status = filter.status;
    if (filter.referenceId !== null) where.referenceId = filter.referenceId;
    return db.getRepository(InquiryEntity).find({ where, order: { id: 'DESC' }, take: filter.take });
  }

  /** Writes `patch` only while the row still has `status`; false when it had moved on. */
  async updateFrom(
    db: EntityManager,
    id: string,
    status: InquiryStatus,
    patch: Partial<Inquiry>,
  ): Promise<boolean> {
    return (await this.updateAs(db, InquiryEntity, patch, 'id = $1 AND status = $2', [id, status])) === 1;
  }

  /** Writes `patch` if the inquiry of the account is in `status`, under its row lock: the row as written, or null. */
  async moveFrom(
    db: EntityManager,
    accountId: string,
    id: string,
    status: InquiryStatus,
    patch: Partial<Inquiry>,
  ): Promise<Inquiry | null> {
    const [moved] = await this.updateReturningAs(
      db,
      InquiryEntity,
      patch,
      'id = $1 AND account_id = $2 AND status = $3',
      [id, accountId, status],
    );
    return moved ?? null;
  }

  async update(db: EntityManager, id: string, patch: Partial<Inquiry>): Promise<void> {
    await this.updateAs(db, InquiryEntity, patch, 'id = $1', [id]);
  }

  /**
   * Holds an open inquiry (one of `openStatuses`, not redacted, not expired at `now`) open until
   * `until` — or longer, when an earlier hold reaches further — in one statement, under its row lock:
   * the inquiry as it now is, or null when it is not open or not there.
   */
  async holdOpen(
    db: EntityManager,
    accountId: string,
    id: string,
    openStatuses: readonly InquiryStatus[],
    now: Date,
    until: Date,
  ): Promise<Inquiry | null> {
    const [rows] = (await db.query(
      `UPDATE ${this.table('inquiries')}
          SET send_held_until = GREATEST(coalesce(send_held_until, $5), $5)
        WHERE id = $1 AND account_id = $2 AND status = ANY($3::text[])
          AND redacted_at IS NULL AND expires_at > $4
      RETURNING ${this.columnsOf(InquiryEntity)}`,
      [id, accountId, openStatuses, now, until],
    )) as [Array<Record<string, unknown>>, number];
    return this.rowsAs(InquiryEntity, rows)[0] ?? null;
  }

  /**
   * Unfinished inquiries past their expiry that no other transaction holds and no admitted send holds
   * open, locked: several instances sweeping at once take different rows.
   */
  async lockExpired(
    db: EntityManager,
    statuses: readonly InquiryStatus[],
    now: Date,
    limit: number,
  ): Promise<Inquiry[]> {
    return db.getRepository(InquiryEntity).find({
      where: {
        status: In([...statuses]),
        expiresAt: LessThanOrEqual(now),
        sendHeldUntil: Or(IsNull(), LessThanOrEqual(now)),
      },
      order: { expiresAt: 'ASC' },
      take: limit,
      lock: { mode: 'pessimistic_write', onLocked: 'skip_locked' },
    });
  }

  async insertEvent(db: EntityManager, row: InquiryEventRow): Promise<void> {
    await this.insertAs(db, InquiryEventEntity, [row]);
  }

  insertEventStatement(row: InquiryEventRow): Statement {
    return this.insertStatementOf(InquiryEventEntity, [row]);
  }

  /** Events of several inquiries, oldest first per inquiry (one query for a whole page). */
  async eventsOf(
    db: EntityManager,
    accountId: string,
    inquiryIds: readonly string[],
  ): Promise<Map<string, InquiryEventRow[]>> {
    const byInquiry = new Map<string, InquiryEventRow[]>();
    if (inquiryIds.length === 0) return byInquiry;
    const found = (await db.query(
      `SELECT ${this.columnsOf(InquiryEventEntity)} FROM ${this.table('inquiry_events')}
        WHERE account_id = $1 AND inquiry_id = ANY($2::uuid[]) ORDER BY id`,
      [accountId, inquiryIds],
    )) as Array<Record<string, unknown>>;
    const rows = this.rowsAs(InquiryEventEntity, found);
    for (const row of rows) byInquiry.set(row.inquiryId, [...(byInquiry.get(row.inquiryId) ?? []), row]);
    return byInquiry;
  }
}
