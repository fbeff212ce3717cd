import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

export class CreateDatabaseVerifications1764201700000 implements MigrationInterface {
  name = 'CreateDatabaseVerifications1764201700000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`
      CREATE TABLE "${s}".database_verifications (
        id uuid PRIMARY KEY,
        account_id text NOT NULL,
        inquiry_id text NOT NULL,
        phone_verification_id text,
        status text NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED')),
        source text NOT NULL,
        result text CHECK (result IN ('EXACT_MATCH', 'HIGH_PARTIAL_MATCH', 'PARTIAL_MATCH', 'NO_MATCH')),
        name_match jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        redacted_at timestamptz,
        -- One database check per inquiry: a second approved verification finds it and stops.
        UNIQUE (account_id, inquiry_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "${schemaOf(runner)}".database_verifications`);
  }
}
