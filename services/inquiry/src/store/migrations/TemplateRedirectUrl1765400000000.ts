import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

/** Templates may name the partner page the hosted flow's done page links back to (null: none). */
export class TemplateRedirectUrl1765400000000 implements MigrationInterface {
  name = 'TemplateRedirectUrl1765400000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`ALTER TABLE "${s}".templates ADD COLUMN redirect_url text`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`ALTER TABLE "${s}".templates DROP COLUMN redirect_url`);
  }
}
