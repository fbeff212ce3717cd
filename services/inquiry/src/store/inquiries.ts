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
import { Store } from '@attestor/platform';
import { InquiryEntity, InquiryEventEntity, type Inquiry, type InquiryEventRow } from './entities.js';

/** Inquiries and their event history. */
export class InquiryStore extends Store {
  async insert(db: EntityManager, inquiry: Inquiry): Promise<void> {
    await db.getRepository(InquiryEntity).insert(inquiry);
  }

  async get(db: EntityManager, accountId: string, id: string): Promise<Inquiry | null> {
    return db.getRepository(InquiryEntity).findOneBy({ id, accountId });
  }

  async byIds(db: EntityManager, accountId: string, ids: readonly string[]): Promise<Inquiry[]> {
    if (ids.length === 0) return [];
    return db.getRepository(InquiryEntity).findBy({ accountId, id: In([...ids]) });
  }

  /** The inquiry, locked until the transaction ends. */
  async lock(db: EntityManager, accountId: string, id: string): Promise<Inquiry | null> {
    return db
      .getRepository(InquiryEntity)
      .findOne({ where: { id, accountId }, lock: { mode: 'pessimistic_write' } });
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
    const result = await db.getRepository(InquiryEntity).update({ id, status }, patch);
    return result.affected === 1;
  }

  async update(db: EntityManager, id: string, patch: Partial<Inquiry>): Promise<void> {
    await db.getRepository(InquiryEntity).update({ id }, patch);
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
    await db.getRepository(InquiryEventEntity).insert(row);
  }

  /** Events of several inquiries, oldest first per inquiry (one query for a whole page). */
  async eventsOf(
    db: EntityManager,
    accountId: string,
    inquiryIds: readonly string[],
  ): Promise<Map<string, InquiryEventRow[]>> {
    const byInquiry = new Map<string, InquiryEventRow[]>();
    if (inquiryIds.length === 0) return byInquiry;
    const rows = await db
      .getRepository(InquiryEventEntity)
      .find({ where: { accountId, inquiryId: In([...inquiryIds]) }, order: { id: 'ASC' } });
    for (const row of rows) byInquiry.set(row.inquiryId, [...(byInquiry.get(row.inquiryId) ?? []), row]);
    return byInquiry;
  }
}
