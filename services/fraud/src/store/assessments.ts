import { In, type EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';
import type { SendCounters } from '../domain/rules.js';
import { AssessmentEntity, type AssessmentRow } from './entities.js';

/** Whose assessments a caller may read: an account's, narrowed to one inquiry for a session. */
export interface AssessmentScope {
  accountId: string;
  inquiryId?: string | undefined;
}

export class AssessmentStore extends Store {
  /** One account's assessments run one at a time, so two sends cannot both squeeze under a cap. */
  async lockAccount(db: EntityManager, accountId: string): Promise<void> {
    await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`fraud-assess:${accountId}`]);
  }

  /** Sends (ALLOW assessments) the rules count, as of the transaction's start. */
  async sendCounters(
    manager: EntityManager,
    accountId: string,
    countryCode: string | null,
  ): Promise<SendCounters> {
    const [row] = (await manager.query(
      `SELECT count(*) FILTER (WHERE country_code = $2 AND created_at > now() - interval '1 hour')::int AS country,
              count(*)::int AS account
         FROM ${this.table('assessments')}
        WHERE account_id = $1 AND decision = 'ALLOW' AND created_at > now() - interval '24 hours'`,
      [accountId, countryCode],
    )) as Array<{ country: number; account: number }>;
    return { countryLastHour: row?.country ?? 0, accountLastDay: row?.account ?? 0 };
  }

  async insert(manager: EntityManager, row: Omit<AssessmentRow, 'createdAt'>): Promise<AssessmentRow> {
    const [inserted] = (await manager.query(
      `INSERT INTO ${this.table('assessments')} (id, account_id, inquiry_id, verification_id, decision, score, reasons, details,
                                  country_code, line_type, sms_pumping_risk_score, mode, phone_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       RETURNING created_at`,
      [
        row.id,
        row.accountId,
        row.inquiryId,
        row.verificationId,
        row.decision,
        row.score,
        JSON.stringify(row.reasons),
        JSON.stringify(row.details),
        row.countryCode,
        row.lineType,
        row.smsPumpingRiskScore,
        row.mode,
        row.phoneHash,
      ],
    )) as Array<{ created_at: Date }>;
    return { ...row, createdAt: inserted?.created_at ?? new Date() };
  }

  async byIds(db: EntityManager, scope: AssessmentScope, ids: readonly string[]): Promise<AssessmentRow[]> {
    if (ids.length === 0) return [];
    return db.getRepository(AssessmentEntity).find({
      where: { id: In([...ids]), ...where(scope) },
    });
  }

  /** The newest assessment of each verification (a resend is assessed again). */
  async latestByVerifications(
    db: EntityManager,
    scope: AssessmentScope,
    verificationIds: readonly string[],
  ): Promise<AssessmentRow[]> {
    if (verificationIds.length === 0) return [];
    const rows = await db.getRepository(AssessmentEntity).find({
      where: { verificationId: In([...verificationIds]), ...where(scope) },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
    const latest = new Map<string, AssessmentRow>();
    for (const row of rows) if (!latest.has(row.verificationId)) latest.set(row.verificationId, row);
    return [...latest.values()];
  }

  /** Forgets which number an inquiry's assessments were about; answers the hashes it erased. */
  async erasePhoneHashes(manager: EntityManager, accountId: string, inquiryId: string): Promise<string[]> {
    const rows = (await manager.query(
      `WITH erased AS (
         SELECT id, phone_hash FROM ${this.table('assessments')}
          WHERE account_id = $1 AND inquiry_id = $2 AND phone_hash IS NOT NULL
          FOR UPDATE
       ), cleared AS (
         UPDATE ${this.table('assessments')} a SET phone_hash = NULL FROM erased WHERE a.id = erased.id
       )
       SELECT DISTINCT phone_hash FROM erased`,
      [accountId, inquiryId],
    )) as Array<{ phone_hash: string }>;
    return rows.map((row) => row.phone_hash);
  }
}

function where(scope: AssessmentScope) {
  return scope.inquiryId === undefined
    ? { accountId: scope.accountId }
    : { accountId: scope.accountId, inquiryId: scope.inquiryId };
}
