import { In, type EntityManager } from 'typeorm';
import { Store, type ReadScope } from '@attestor/platform';
import { DatabaseVerificationEntity, type DatabaseVerificationRow } from './entities.js';

function where(scope: ReadScope) {
  return scope.inquiryId === undefined
    ? { accountId: scope.accountId }
    : { accountId: scope.accountId, inquiryId: scope.inquiryId };
}

/** The database verifications: one per inquiry, holding how the names compared (never the names). */
export class DatabaseVerificationStore extends Store {
  async ofInquiry(
    db: EntityManager,
    accountId: string,
    inquiryId: string,
  ): Promise<DatabaseVerificationRow | null> {
    return db.getRepository(DatabaseVerificationEntity).findOneBy({ accountId, inquiryId });
  }

  async insert(db: EntityManager, row: DatabaseVerificationRow): Promise<void> {
    await db.getRepository(DatabaseVerificationEntity).insert(row);
  }

  async byIds(
    db: EntityManager,
    scope: ReadScope,
    ids: readonly string[],
  ): Promise<DatabaseVerificationRow[]> {
    if (ids.length === 0) return [];
    return db.getRepository(DatabaseVerificationEntity).findBy({ id: In([...ids]), ...where(scope) });
  }

  async byInquiries(
    db: EntityManager,
    scope: ReadScope,
    inquiryIds: readonly string[],
  ): Promise<DatabaseVerificationRow[]> {
    const wanted = inquiryIds.filter((id) => scope.inquiryId === undefined || id === scope.inquiryId);
    if (wanted.length === 0) return [];
    return db
      .getRepository(DatabaseVerificationEntity)
      .findBy({ accountId: scope.accountId, inquiryId: In(wanted) });
  }

  /** Keeps only the verdict (result and score) of an inquiry's comparison. */
  async redact(db: EntityManager, accountId: string, inquiryId: string, at: Date): Promise<void> {
    await db.query(
      `UPDATE ${this.table('database_verifications')}
          SET name_match = CASE WHEN name_match IS NULL THEN NULL
                                ELSE jsonb_build_object('result', name_match->'result', 'score', name_match->'score') END,
              redacted_at = COALESCE(redacted_at, $3)
        WHERE account_id = $1 AND inquiry_id = $2`,
      [accountId, inquiryId, at],
    );
  }
}
