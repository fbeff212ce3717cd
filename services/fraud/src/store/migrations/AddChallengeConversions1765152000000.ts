import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

/**
 * Conversions by client address, and a passed challenge counted apart (docs/fraud.md "Counts the
 * rules read"): an assessment keeps the keyed hash of the address it was asked from, so the phone
 * events of its verification count under that address too; a verification whose first message went
 * out on a passed challenge is counted in `solved_sent` (and `solved_verified` once approved), which
 * the breakers weigh more while it stays unverified.
 */
export class AddChallengeConversions1765152000000 implements MigrationInterface {
  name = 'AddChallengeConversions1765152000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`ALTER TABLE "${s}".assessments ADD COLUMN ip_hash text`);
    await runner.query(`
      ALTER TABLE "${s}".conversions
        ADD COLUMN solved_sent int NOT NULL DEFAULT 0,
        ADD COLUMN solved_verified int NOT NULL DEFAULT 0`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`DELETE FROM "${s}".conversions WHERE scope = 'IP'`);
    await runner.query(`DELETE FROM "${s}".verified_keys WHERE scope = 'IP'`);
    await runner.query(`ALTER TABLE "${s}".conversions DROP COLUMN solved_sent, DROP COLUMN solved_verified`);
    await runner.query(`ALTER TABLE "${s}".assessments DROP COLUMN ip_hash`);
  }
}
