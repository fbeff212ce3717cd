import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

/**
 * A FAILED database verification says why (Lookup unavailable, no name on the inquiry…), and a result
 * may be NO_DATA_AVAILABLE (the carrier holds no name for the number).
 */
export class DatabaseVerificationFailureReason1764950000000 implements MigrationInterface {
  name = 'DatabaseVerificationFailureReason1764950000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`ALTER TABLE "${s}".database_verifications ADD COLUMN failure_reason text`);
    await runner.query(`
      ALTER TABLE "${s}".database_verifications
        DROP CONSTRAINT database_verifications_result_check,
        ADD CONSTRAINT database_verifications_result_check CHECK (result IN
          ('EXACT_MATCH', 'HIGH_PARTIAL_MATCH', 'PARTIAL_MATCH', 'NO_MATCH', 'NO_DATA_AVAILABLE'))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`ALTER TABLE "${s}".database_verifications DROP COLUMN failure_reason`);
    await runner.query(`
      ALTER TABLE "${s}".database_verifications
        DROP CONSTRAINT database_verifications_result_check,
        ADD CONSTRAINT database_verifications_result_check CHECK (result IN
          ('EXACT_MATCH', 'HIGH_PARTIAL_MATCH', 'PARTIAL_MATCH', 'NO_MATCH'))`);
  }
}
