import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

/**
 * Templates say what happens when the carrier holds no name for the number (NO_DATA_AVAILABLE), and
 * whether the database check also asks Lookup identity_match; inquiries may record NO_DATA_AVAILABLE.
 */
export class TemplateNoNameData1764950000000 implements MigrationInterface {
  name = 'TemplateNoNameData1764950000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`
      ALTER TABLE "${s}".templates
        ADD COLUMN when_no_name_data text NOT NULL DEFAULT 'REVIEW'
          CHECK (when_no_name_data IN ('APPROVE', 'REVIEW', 'DECLINE')),
        ADD COLUMN identity_match boolean NOT NULL DEFAULT false`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(
      `ALTER TABLE "${s}".templates DROP COLUMN identity_match, DROP COLUMN when_no_name_data`,
    );
  }
}
