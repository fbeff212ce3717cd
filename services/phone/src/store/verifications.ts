import type { EntityManager } from 'typeorm';
import { uuidv7, type PhoneChannel } from '@attestor/contracts';
import { conflict, Store, type ReadScope, type Statement } from '@attestor/platform';
import type { Challenge } from '../domain/challenge.js';
import type { VerificationStatus } from '../domain/verification.js';
import {
  PhoneVerificationEntity,
  SendAttemptEntity,
  type PhoneVerificationRecord,
  type SendOutcome,
} from './entities.js';

/** Every column, for the insert. */
const INSERTED = [
  ['id', 'id'],
  ['accountId', 'account_id'],
  ['inquiryId', 'inquiry_id'],
  ['phoneSealed', 'phone_sealed'],
  ['phoneHash', 'phone_hash'],
  ['phoneMasked', 'phone_masked'],
  ['prefixHashes', 'prefix_hashes'],
  ['countryCode', 'country_code'],
  ['channel', 'channel'],
  ['status', 'status'],
  ['locale', 'locale'],
  ['friendlyName', 'friendly_name'],
  ['providerSid', 'provider_sid'],
  ['checkAttempts', 'check_attempts'],
  ['sendAttempts', 'send_attempts'],
  ['riskAssessmentId', 'risk_assessment_id'],
  ['riskAssessmentSkipped', 'risk_assessment_skipped'],
  ['statusReason', 'status_reason'],
  ['challenge', 'challenge'],
  ['createdAt', 'created_at'],
  ['expiresAt', 'expires_at'],
  ['lastAttemptAt', 'last_attempt_at'],
  ['approvedAt', 'approved_at'],
  ['redactedAt', 'redacted_at'],
] as const satisfies ReadonlyArray<readonly [keyof PhoneVerificationRecord, string]>;

/**
 * What a read selects (and an update returns): every column `recordOf` maps, by name — not `*`, so
 * the statement runs prepared and a column a later migration adds changes nothing here.
 */
const SELECTED = [...INSERTED.map(([, column]) => column), 'claim_token', 'claimed_until'].join(', ');

/** The columns a settle writes: everything that changes over a verification's life. */
const MUTABLE = [
  ['status', 'status'],
  ['channel', 'channel'],
  ['providerSid', 'provider_sid'],
  ['checkAttempts', 'check_attempts'],
  ['sendAttempts', 'send_attempts'],
  ['riskAssessmentId', 'risk_assessment_id'],
  ['riskAssessmentSkipped', 'risk_assessment_skipped'],
  ['statusReason', 'status_reason'],
  ['challenge', 'challenge'],
  ['expiresAt', 'expires_at'],
  ['lastAttemptAt', 'last_attempt_at'],
  ['approvedAt', 'approved_at'],
] as const satisfies ReadonlyArray<readonly [keyof PhoneVerificationRecord, string]>;

interface Row {
  [column: string]: unknown;
}

/** A row from raw SQL (the SELECTED columns), under the record's names. */
function recordOf(row: Row): PhoneVerificationRecord {
  const date = (value: unknown) => (value === null ? null : new Date(value as string | Date));
  return {
    id: row['id'] as string,
    accountId: row['account_id'] as string,
    inquiryId: row['inquiry_id'] as string,
    phoneSealed: row['phone_sealed'] as string | null,
    phoneHash: row['phone_hash'] as string | null,
    phoneMasked: row['phone_masked'] as string,
    prefixHashes: row['prefix_hashes'] as string[],
    countryCode: row['country_code'] as string,
    channel: row['channel'] as PhoneChannel,
    status: row['status'] as VerificationStatus,
    locale: row['locale'] as string | null,
    friendlyName: row['friendly_name'] as string | null,
    providerSid: row['provider_sid'] as string | null,
    checkAttempts: row['check_attempts'] as number,
    sendAttempts: row['send_attempts'] as number,
    riskAssessmentId: row['risk_assessment_id'] as string | null,
    riskAssessmentSkipped: row['risk_assessment_skipped'] as boolean,
    statusReason: row['status_reason'] as string | null,
    challenge: row['challenge'] as Challenge | null,
    createdAt: date(row['created_at']) as Date,
    expiresAt: date(row['expires_at']) as Date,
    lastAttemptAt: date(row['last_attempt_at']) as Date,
    approvedAt: date(row['approved_at']),
    redactedAt: date(row['redacted_at']),
    claimToken: row['claim_token'] as string | null,
    claimedUntil: date(row['claimed_until']),
  };
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/**
 * Phone verifications and their send attempts. Every method takes the manager it runs on first and
 * filters by account. Twilio is never called while one of these holds a transaction: a request
 * *claims* a verification (a token and a lease, one statement), talks to Twilio, then *settles* it
 * with an update that holds only if it still owns the claim and the status it read.
 */
export class PhoneVerificationStore extends Store {
  // The reads on every request's path are plain SQL mapped by `recordOf`: TypeORM's query builder
  // cost more CPU than the query itself (bench:phone profile).

  async byIds(
    db: EntityManager,
    scope: ReadScope,
    ids: readonly string[],
  ): Promise<PhoneVerificationRecord[]> {
    if (ids.length === 0) return [];
    const rows = (await db.query(
      `SELECT ${SELECTED} FROM ${this.table('phone_verifications')}
        WHERE account_id = $1 AND id = ANY($2::uuid[]) AND ($3::text IS NULL OR inquiry_id = $3)`,
      [scope.accountId, [...ids], scope.inquiryId ?? null],
    )) as Row[];
    return rows.map(recordOf);
  }

  /** Newest first. */
  async byInquiries(
    db: EntityManager,
    scope: ReadScope,
    inquiryIds: readonly string[],
  ): Promise<PhoneVerificationRecord[]> {
    const wanted = inquiryIds.filter((id) => scope.inquiryId === undefined || id === scope.inquiryId);
    if (wanted.length === 0) return [];
    const rows = (await db.query(
      `SELECT ${SELECTED} FROM ${this.table('phone_verifications')}
        WHERE account_id = $1 AND inquiry_id = ANY($2::text[])
        ORDER BY created_at DESC, id DESC`,
      [scope.accountId, wanted],
    )) as Row[];
    return rows.map(recordOf);
  }

  async find(db: EntityManager, scope: ReadScope, id: string): Promise<PhoneVerificationRecord | null> {
    const [row] = await this.byIds(db, scope, [id]);
    return row ?? null;
  }

  /** Every verification of one inquiry, newest first. */
  async ofInquiry(
    db: EntityManager,
    accountId: string,
    inquiryId: string,
  ): Promise<PhoneVerificationRecord[]> {
    return this.byInquiries(db, { accountId }, [inquiryId]);
  }

  /**
   * Claims a verification in one of `statuses` for `token` until `until` (free, or its last claim's
   * lease ran out by `now`); the row as claimed, or null when it is held, in another status or unknown.
   */
  async claim(
    db: EntityManager,
    scope: ReadScope,
    id: string,
    claim: { token: string; until: Date; now: Date; statuses: readonly VerificationStatus[] },
  ): Promise<PhoneVerificationRecord | null> {
    const [rows] = (await db.query(
      `UPDATE ${this.table('phone_verifications')}
          SET claim_token = $3, claimed_until = $4
        WHERE account_id = $1 AND id = $2 AND ($6::text IS NULL OR inquiry_id = $6)
          AND status = ANY($7::text[])
          AND (claim_token IS NULL OR claimed_until <= $5)
        RETURNING ${SELECTED}`,
      [scope.accountId, id, claim.token, claim.until, claim.now, scope.inquiryId ?? null, claim.statuses],
    )) as [Row[], number];
    return rows[0] === undefined ? null : recordOf(rows[0]);
  }

  /** Whether a verification other than `record` holds its Twilio SID (of any account). */
  async sharesProviderSid(db: EntityManager, record: PhoneVerificationRecord): Promise<boolean> {
    const [row] = (await db.query(
      `SELECT EXISTS (SELECT 1 FROM ${this.table('phone_verifications')}
                       WHERE provider_sid = $1 AND id <> $2) AS shared`,
      [record.providerSid, record.id],
    )) as Array<{ shared: boolean }>;
    return row?.shared === true;
  }

  /** Gives a claim back without changing the verification (no-op when it is no longer held by `token`). */
  async release(db: EntityManager, accountId: string, id: string, token: string): Promise<void> {
    await db.query(
      `UPDATE ${this.table('phone_verifications')} SET claim_token = NULL, claimed_until = NULL
        WHERE account_id = $1 AND id = $2 AND claim_token = $3`,
      [accountId, id, token],
    );
  }

  /** Uses up the challenge a solution answered: true for the one request that did. */
  async consumeChallenge(db: EntityManager, record: PhoneVerificationRecord, token: string, salt: string) {
    const [, count] = (await db.query(
      `UPDATE ${this.table('phone_verifications')} SET challenge = NULL
        WHERE account_id = $1 AND id = $2 AND claim_token = $3 AND challenge->>'salt' = $4`,
      [record.accountId, record.id, token, salt],
    )) as [unknown, number];
    return count === 1;
  }

  /**
   * Writes the verification's changing fields and gives the claim back — only if `token` still holds
   * it and the row is still in `from`. False when it lost the race (its lease ran out meanwhile).
   */
  async settle(
    db: EntityManager,
    record: PhoneVerificationRecord,
    condition: { token: string; from: VerificationStatus },
  ): Promise<boolean> {
    const values = MUTABLE.map(([field]) => {
      const value = record[field];
      return field === 'challenge' && value !== null ? JSON.stringify(value) : value;
    });
    const assignments = MUTABLE.map(([, column], i) => `${column} = $${i + 5}`).join(', ');
    const [, count] = (await db.query(
      `UPDATE ${this.table('phone_verifications')}
          SET ${assignments}, claim_token = NULL, claimed_until = NULL
        WHERE account_id = $1 AND id = $2 AND claim_token = $3 AND status = $4`,
      [record.accountId, record.id, condition.token, condition.from, ...values],
    )) as [unknown, number];
    return count === 1;
  }

  /**
   * A new verification, with its first send attempt and the start's claim on its inquiry given back,
   * as one statement to send with its event (Outbox.insertOnce). Sent, it fails with a unique
   * violation if the inquiry already has an active one (a start that lost its claim): `whyInsertFailed`.
   */
  insertStatement(
    record: PhoneVerificationRecord,
    also: { sent: { outcome: SendOutcome; at: Date } | null; releaseStartClaim: string | null },
  ): Statement {
    const columns = INSERTED.map(([, column]) => column).join(', ');
    const values = INSERTED.map(([field]) => {
      const value = record[field];
      return (field === 'challenge' || field === 'prefixHashes') && value !== null
        ? JSON.stringify(value)
        : value;
    });
    const placeholders = INSERTED.map((_, i) => `$${i + 1}`).join(', ');
    const n = INSERTED.length;
    return {
      with: [
        [
          'created',
          `INSERT INTO ${this.table('phone_verifications')} (${columns}) VALUES (${placeholders}) RETURNING id`,
        ],
        [
          'sent',
          `INSERT INTO ${this.table('send_attempts')} (id, account_id, verification_id, channel, outcome, created_at)
           SELECT $${n + 1}::uuid, $${n + 2}, id, $${n + 3}, $${n + 4}::text, $${n + 5}::timestamptz
             FROM created WHERE $${n + 4}::text IS NOT NULL`,
        ],
      ],
      text: `DELETE FROM ${this.table('start_claims')}
              WHERE account_id = $${n + 2} AND inquiry_id = $${n + 6} AND token = $${n + 7}::uuid`,
      values: [
        ...values,
        uuidv7((also.sent?.at ?? record.createdAt).getTime()),
        record.accountId,
        record.channel,
        also.sent?.outcome ?? null,
        also.sent?.at ?? null,
        record.inquiryId,
        also.releaseStartClaim,
      ],
    };
  }

  /** What a failed insertStatement means: CONFLICT for a verification started meanwhile, else the error. */
  whyInsertFailed(error: unknown): unknown {
    return isUniqueViolation(error)
      ? conflict('Another phone verification of this inquiry started at the same moment; try again')
      : error;
  }

  /**
   * Claims an inquiry for one start (until `until`, or until released): starts of one inquiry run one
   * after another, so concurrent ones make one verification and send at most one message.
   */
  async claimInquiry(
    db: EntityManager,
    claim: { accountId: string; inquiryId: string; token: string; until: Date; now: Date },
  ): Promise<boolean> {
    const rows = (await db.query(
      `INSERT INTO ${this.table('start_claims')} AS c (account_id, inquiry_id, token, claimed_until)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, inquiry_id) DO UPDATE SET token = EXCLUDED.token, claimed_until = EXCLUDED.claimed_until
        WHERE c.claimed_until <= $5
       RETURNING token`,
      [claim.accountId, claim.inquiryId, claim.token, claim.until, claim.now],
    )) as Row[];
    return rows.length === 1;
  }

  async releaseInquiry(
    db: EntityManager,
    accountId: string,
    inquiryId: string,
    token: string,
  ): Promise<void> {
    await db.query(
      `DELETE FROM ${this.table('start_claims')} WHERE account_id = $1 AND inquiry_id = $2 AND token = $3`,
      [accountId, inquiryId, token],
    );
  }

  /**
   * Active verifications past their deadline that nobody claims and no other transaction holds,
   * locked (FOR UPDATE SKIP LOCKED): several instances sweeping at once each take different rows.
   */
  async lockExpired(
    db: EntityManager,
    now: Date,
    limit: number,
    statuses: readonly VerificationStatus[],
  ): Promise<PhoneVerificationRecord[]> {
    const rows = (await db.query(
      `SELECT ${SELECTED} FROM ${this.table('phone_verifications')}
        WHERE status = ANY($1::text[]) AND expires_at <= $2 AND (claim_token IS NULL OR claimed_until <= $2)
        ORDER BY expires_at
        LIMIT $3
        FOR UPDATE SKIP LOCKED`,
      [statuses, now, limit],
    )) as Row[];
    return rows.map(recordOf);
  }

  /** Ends a locked row (from lockExpired) in `record.status`. */
  async update(db: EntityManager, record: PhoneVerificationRecord): Promise<void> {
    await db
      .getRepository(PhoneVerificationEntity)
      .update(
        { id: record.id, accountId: record.accountId },
        Object.fromEntries(MUTABLE.map(([field]) => [field, record[field]])),
      );
  }

  async recordSendAttempt(
    db: EntityManager,
    attempt: {
      accountId: string;
      verificationId: string;
      channel: PhoneChannel;
      outcome: SendOutcome;
      at: Date;
    },
  ): Promise<void> {
    await db.getRepository(SendAttemptEntity).insert({
      id: uuidv7(attempt.at.getTime()),
      accountId: attempt.accountId,
      verificationId: attempt.verificationId,
      channel: attempt.channel,
      outcome: attempt.outcome,
      createdAt: attempt.at,
    });
  }

  /** When the verification's codes went out since `since` (its SENT attempts), oldest first. */
  async sentSince(
    db: EntityManager,
    accountId: string,
    verificationId: string,
    since: Date,
  ): Promise<Date[]> {
    const rows = (await db.query(
      `SELECT created_at FROM ${this.table('send_attempts')}
        WHERE account_id = $1 AND verification_id = $2 AND outcome = 'SENT' AND created_at > $3
        ORDER BY created_at`,
      [accountId, verificationId, since],
    )) as Array<{ created_at: Date }>;
    return rows.map((row) => new Date(row.created_at));
  }

  /** Erases the number of every verification of one inquiry; returns how many rows were redacted. */
  async redactInquiry(db: EntityManager, accountId: string, inquiryId: string, at: Date): Promise<number> {
    const [, count] = (await db.query(
      `UPDATE ${this.table('phone_verifications')}
          SET phone_sealed = NULL, phone_hash = NULL, prefix_hashes = '[]', challenge = NULL,
              phone_masked = regexp_replace(phone_masked, '[0-9]', '*', 'g'), redacted_at = $3
        WHERE account_id = $1 AND inquiry_id = $2 AND redacted_at IS NULL`,
      [accountId, inquiryId, at],
    )) as [unknown, number];
    return count;
  }
}
