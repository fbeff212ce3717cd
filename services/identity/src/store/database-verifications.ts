import { In, type DataSource, type EntityManager } from 'typeorm';
import { qualified } from '@attestor/platform';
import { DatabaseVerificationEntity, type DatabaseVerificationRow } from './entities.js';

/** Whose checks a caller may read: an account's, narrowed to one inquiry for a session. */
export interface VerificationScope {
  accountId: string;
  inquiryId?: string | undefined;
}

function where(scope: VerificationScope) {
  return scope.inquiryId === undefined
    ? { accountId: scope.accountId }
    : { accountId: scope.accountId, inquiryId: scope.inquiryId };
}

export class DatabaseVerificationStore {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = qualified(schema, 'database_verifications');
  }

  async ofInquiry(
    manager: EntityManager,
    accountId: string,
    inquiryId: string,
  ): Promise<DatabaseVerificationRow | null> {
    return manager.getRepository(DatabaseVerificationEntity).findOneBy({ accountId, inquiryId });
  }

  async insert(manager: EntityManager, row: DatabaseVerificationRow): Promise<void> {
    await manager.getRepository(DatabaseVerificationEntity).insert(row);
  }

  async byIds(scope: VerificationScope, ids: readonly string[]): Promise<DatabaseVerificationRow[]> {
    if (ids.length === 0) return [];
    return this.dataSource
      .getRepository(DatabaseVerificationEntity)
      .findBy({ id: In([...ids]), ...where(scope) });
  }

  async byInquiries(
    scope: VerificationScope,
    inquiryIds: readonly string[],
  ): Promise<DatabaseVerificationRow[]> {
    if (inquiryIds.length === 0) return [];
    const wanted =
      scope.inquiryId === undefined ? [...inquiryIds] : inquiryIds.filter((id) => id === scope.inquiryId);
    if (wanted.length === 0) return [];
    return this.dataSource
      .getRepository(DatabaseVerificationEntity)
      .findBy({ accountId: scope.accountId, inquiryId: In(wanted) });
  }

  /** Keeps only the verdict (result and score) of an inquiry's comparison. */
  async redact(manager: EntityManager, accountId: string, inquiryId: string, at: Date): Promise<void> {
    await manager.query(
      `UPDATE ${this.table}
          SET name_match = CASE WHEN name_match IS NULL THEN NULL
                                ELSE jsonb_build_object('result', name_match->'result', 'score', name_match->'score') END,
              redacted_at = COALESCE(redacted_at, $3)
        WHERE account_id = $1 AND inquiry_id = $2`,
      [accountId, inquiryId, at],
    );
  }
}
