import { In, type EntityManager } from 'typeorm';
import { Store, type ReadScope } from '@attestor/platform';
import type { SendCounters } from '../domain/rules.js';
import type { StatsBucket } from '../domain/stats.js';
import { AssessmentEntity, type AssessmentRow } from './entities.js';

/** Whose assessments a caller may read: an account's, narrowed to one inquiry for a session. */
export type AssessmentScope = ReadScope;

/** Per country and bucket, what the assessments refused (the statistics' fraud side). */
export interface RefusalRow {
  countryCode: string;
  bucketStart: Date | null;
  /** Verifications with an enforced CHALLENGE. */
  challenged: number;
  /** Refused sends (enforced BLOCK or CHALLENGE) not followed by an ALLOW of the same verification. */
  refused: number;
}

export class AssessmentStore extends Store {
  /** One account's assessments run one at a time, so two sends cannot both squeeze under a cap. */
  async lockAccount(db: EntityManager, accountId: string): Promise<void> {
    await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`fraud-assess:${accountId}`]);
  }

  /** Sends (ALLOW assessments) the policy caps count, as of `now`. */
  async sendCounters(
    db: EntityManager,
    accountId: string,
    countryCode: string | null,
    now: Date,
  ): Promise<SendCounters> {
    const [row] = (await db.query(
      `SELECT count(*) FILTER (WHERE country_code = $2 AND created_at > $3::timestamptz - interval '1 hour')::int AS country,
              count(*)::int AS account
         FROM ${this.table('assessments')}
        WHERE account_id = $1 AND decision = 'ALLOW' AND created_at > $3::timestamptz - interval '24 hours'
          AND created_at <= $3`,
      [accountId, countryCode, now],
    )) as Array<{ country: number; account: number }>;
    return { countryLastHour: row?.country ?? 0, accountLastDay: row?.account ?? 0 };
  }

  async insert(db: EntityManager, row: AssessmentRow): Promise<AssessmentRow> {
    await db.query(
      `INSERT INTO ${this.table('assessments')} (id, account_id, inquiry_id, verification_id, decision, score,
              reasons, details, country_code, line_type, sms_pumping_risk_score, mode, phone_hash, prefix_hashes,
              ip_hash, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
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
        row.prefixHashes,
        row.ipHash,
        row.createdAt,
      ],
    );
    return row;
  }

  async byIds(db: EntityManager, scope: AssessmentScope, ids: readonly string[]): Promise<AssessmentRow[]> {
    if (ids.length === 0) return [];
    return db.getRepository(AssessmentEntity).find({ where: { id: In([...ids]), ...where(scope) } });
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

  /**
   * What the phone events of a verification count under, from our assessments of it: the prefix
   * hashes the newest one recorded (for events that carry none), and the address and whether a
   * challenge was passed of the first that let a message out (the send the conversion counts).
   */
  async conversionFactsOf(
    db: EntityManager,
    accountId: string,
    verificationId: string,
  ): Promise<{ prefixHashes: string[]; ipHash: string | null; solved: boolean }> {
    const t = this.table('assessments');
    const [row] = (await db.query(
      `SELECT (SELECT prefix_hashes FROM ${t}
                WHERE account_id = $1 AND verification_id = $2 AND prefix_hashes IS NOT NULL
                ORDER BY created_at DESC LIMIT 1) AS prefix_hashes,
              first.ip_hash, coalesce(first.reasons ? 'CHALLENGE_PASSED', false) AS solved
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (
           SELECT ip_hash, reasons FROM ${t}
            WHERE account_id = $1 AND verification_id = $2 AND decision = 'ALLOW'
            ORDER BY created_at, id LIMIT 1
         ) AS first ON true`,
      [accountId, verificationId],
    )) as Array<{ prefix_hashes: string[] | null; ip_hash: string | null; solved: boolean }>;
    return {
      prefixHashes: row?.prefix_hashes ?? [],
      ipHash: row?.ip_hash ?? null,
      solved: row?.solved ?? false,
    };
  }

  /** Forgets which number (and address) an inquiry's assessments were about; answers the number hashes it erased. */
  async erasePhoneHashes(db: EntityManager, accountId: string, inquiryId: string): Promise<string[]> {
    const rows = (await db.query(
      `WITH erased AS (
         SELECT id, phone_hash FROM ${this.table('assessments')}
          WHERE account_id = $1 AND inquiry_id = $2
            AND (phone_hash IS NOT NULL OR prefix_hashes IS NOT NULL OR ip_hash IS NOT NULL)
          FOR UPDATE
       ), cleared AS (
         UPDATE ${this.table('assessments')} a SET phone_hash = NULL, prefix_hashes = NULL, ip_hash = NULL
           FROM erased
          WHERE a.id = erased.id
       )
       SELECT DISTINCT phone_hash FROM erased WHERE phone_hash IS NOT NULL`,
      [accountId, inquiryId],
    )) as Array<{ phone_hash: string }>;
    return rows.map((row) => row.phone_hash);
  }

  /** What the enforced refusals were, per country and bucket, for assessments at or after `since`. */
  async refusals(
    db: EntityManager,
    accountId: string,
    since: Date | null,
    bucket: StatsBucket | null,
  ): Promise<RefusalRow[]> {
    const bucketSql =
      bucket === null
        ? 'NULL::timestamptz'
        : `date_trunc('${bucket === 'HOUR' ? 'hour' : 'day'}', a.created_at, 'UTC')`;
    const rows = (await db.query(
      `SELECT coalesce(a.country_code, '') AS country_code, ${bucketSql} AS bucket_start,
              count(DISTINCT a.verification_id) FILTER (WHERE a.decision = 'CHALLENGE')::int AS challenged,
              count(*) FILTER (WHERE NOT EXISTS (
                SELECT 1 FROM ${this.table('assessments')} later
                 WHERE later.account_id = a.account_id AND later.verification_id = a.verification_id
                   AND later.decision = 'ALLOW' AND later.created_at >= a.created_at
              ))::int AS refused
         FROM ${this.table('assessments')} a
        WHERE a.account_id = $1 AND a.decision IN ('BLOCK', 'CHALLENGE')
          AND ($2::timestamptz IS NULL OR a.created_at >= $2)
        GROUP BY 1, 2`,
      [accountId, since],
    )) as Array<{ country_code: string; bucket_start: Date | null; challenged: number; refused: number }>;
    return rows.map((row) => ({
      countryCode: row.country_code,
      bucketStart: row.bucket_start,
      challenged: row.challenged,
      refused: row.refused,
    }));
  }
}

function where(scope: AssessmentScope) {
  return scope.inquiryId === undefined
    ? { accountId: scope.accountId }
    : { accountId: scope.accountId, inquiryId: scope.inquiryId };
}
