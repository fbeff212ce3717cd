import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

/**
 * Verifications by their Twilio SID: a check that finds its verification gone at Twilio asks whether
 * another verification holds the same SID (two inquiries verifying one number within ten minutes
 * share Twilio's verification) before it trusts Twilio's record that the code was approved.
 */
export class PhoneProviderSidIndex1766000000000 implements MigrationInterface {
  name = 'PhoneProviderSidIndex1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS phone_verifications_provider_sid ON "${s}".phone_verifications (provider_sid)
        WHERE provider_sid IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP INDEX IF EXISTS "${s}".phone_verifications_provider_sid`);
  }
}
