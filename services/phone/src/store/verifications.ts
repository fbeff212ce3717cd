import { In, type EntityManager } from 'typeorm';
import { uuidv7 } from '@attestor/contracts';
import type { PhoneChannel } from '../domain/inputs.js';
import {
  PhoneVerificationEntity,
  SendAttemptEntity,
  type PhoneVerificationRecord,
  type SendOutcome,
} from './entities.js';

/**
 * Reads and writes of phone verifications. Every method takes the manager of the transaction it runs
 * in and the caller's account: no row is ever read or written without `account_id`.
 */
export const verificationStore = {
  async byIds(
    manager: EntityManager,
    accountId: string,
    ids: readonly string[],
  ): Promise<PhoneVerificationRecord[]> {
    if (ids.length === 0) return [];
    return manager.getRepository(PhoneVerificationEntity).find({ where: { accountId, id: In([...ids]) } });
  },

  /** Newest first. */
  async byInquiries(
    manager: EntityManager,
    accountId: string,
    inquiryIds: readonly string[],
  ): Promise<PhoneVerificationRecord[]> {
    if (inquiryIds.length === 0) return [];
    return manager.getRepository(PhoneVerificationEntity).find({
      where: { accountId, inquiryId: In([...inquiryIds]) },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  },

  /** The row, locked until the transaction ends, so concurrent checks and sends of it run one after another. */
  async lock(manager: EntityManager, accountId: string, id: string): Promise<PhoneVerificationRecord | null> {
    return manager
      .getRepository(PhoneVerificationEntity)
      .createQueryBuilder('v')
      .where('v.id = :id AND v.account_id = :accountId', { id, accountId })
      .setLock('pessimistic_write')
      .getOne();
  },

  /**
   * Pending verifications past their deadline that no other transaction holds, locked: several
   * instances sweeping at once each take different rows.
   */
  async lockExpired(manager: EntityManager, now: Date, limit: number): Promise<PhoneVerificationRecord[]> {
    return manager
      .getRepository(PhoneVerificationEntity)
      .createQueryBuilder('v')
      .where("v.status = 'PENDING' AND v.expires_at <= :now", { now })
      .orderBy('v.expires_at', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  },

  async insert(manager: EntityManager, record: PhoneVerificationRecord): Promise<void> {
    await manager.getRepository(PhoneVerificationEntity).insert(record);
  },

  /** Writes the fields that change over a verification's life. */
  async update(manager: EntityManager, record: PhoneVerificationRecord): Promise<void> {
    await manager.getRepository(PhoneVerificationEntity).update(
      { id: record.id, accountId: record.accountId },
      {
        channel: record.channel,
        status: record.status,
        providerSid: record.providerSid,
        checkAttempts: record.checkAttempts,
        sendAttempts: record.sendAttempts,
        statusReason: record.statusReason,
        expiresAt: record.expiresAt,
        approvedAt: record.approvedAt,
      },
    );
  },

  async recordSendAttempt(
    manager: EntityManager,
    attempt: {
      accountId: string;
      verificationId: string;
      channel: PhoneChannel;
      outcome: SendOutcome;
      at: Date;
    },
  ): Promise<void> {
    await manager.getRepository(SendAttemptEntity).insert({
      id: uuidv7(attempt.at.getTime()),
      accountId: attempt.accountId,
      verificationId: attempt.verificationId,
      channel: attempt.channel,
      outcome: attempt.outcome,
      createdAt: attempt.at,
    });
  },

  /** Erases the number of every verification of one inquiry; returns how many rows were redacted. */
  async redactInquiry(
    manager: EntityManager,
    accountId: string,
    inquiryId: string,
    at: Date,
  ): Promise<number> {
    const result = await manager
      .getRepository(PhoneVerificationEntity)
      .createQueryBuilder()
      .update()
      .set({
        phoneSealed: null,
        phoneHash: null,
        phoneMasked: () => "regexp_replace(phone_masked, '[0-9]', '*', 'g')",
        redactedAt: at,
      })
      .where('account_id = :accountId AND inquiry_id = :inquiryId AND redacted_at IS NULL', {
        accountId,
        inquiryId,
      })
      .execute();
    return result.affected ?? 0;
  },
};
