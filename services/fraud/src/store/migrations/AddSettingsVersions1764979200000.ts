import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

/**
 * One version per account for what an assessment caches in memory — its policy and its list
 * entries (docs/fraud.md "The assessment"). Every change bumps it in the change's own statement or
 * transaction, and every assessment reads it in its one read-side query: an instance whose copy is
 * older reads the new settings in that same query, so a change acts at once on every replica.
 */
export class AddSettingsVersions1764979200000 implements MigrationInterface {
  name = 'AddSettingsVersions1764979200000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`
      CREATE TABLE "${s}".settings_versions (
        account_id text PRIMARY KEY,
        version bigint NOT NULL
      )`);
    // Accounts that already have settings start at version 1, so no copy predates them.
    await runner.query(`
      INSERT INTO "${s}".settings_versions (account_id, version)
      SELECT account_id, 1 FROM "${s}".policies
      UNION SELECT account_id, 1 FROM "${s}".list_entries
      ON CONFLICT DO NOTHING`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "${schemaOf(runner)}".settings_versions`);
  }
}
