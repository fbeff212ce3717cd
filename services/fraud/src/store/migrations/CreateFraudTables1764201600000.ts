import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

export class CreateFraudTables1764201600000 implements MigrationInterface {
  name = 'CreateFraudTables1764201600000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`
      CREATE TABLE "${s}".assessments (
        id uuid PRIMARY KEY,
        account_id text NOT NULL,
        inquiry_id text NOT NULL,
        verification_id text NOT NULL,
        decision text NOT NULL CHECK (decision IN ('ALLOW', 'CHALLENGE', 'BLOCK')),
        score int NOT NULL CHECK (score BETWEEN 0 AND 100),
        reasons jsonb NOT NULL,
        details jsonb NOT NULL,
        country_code text,
        line_type text,
        sms_pumping_risk_score int,
        mode text NOT NULL CHECK (mode IN ('ENFORCE', 'RECORD_ONLY')),
        phone_hash text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(
      `CREATE INDEX assessments_by_verification ON "${s}".assessments (account_id, verification_id, created_at DESC)`,
    );
    await runner.query(`CREATE INDEX assessments_by_inquiry ON "${s}".assessments (account_id, inquiry_id)`);
    // The rate-limit counters read sends (ALLOW) of one account in a window, per country or in all.
    await runner.query(
      `CREATE INDEX assessments_sends ON "${s}".assessments (account_id, created_at) WHERE decision = 'ALLOW'`,
    );
    await runner.query(
      `CREATE INDEX assessments_sends_by_country ON "${s}".assessments (account_id, country_code, created_at)
         WHERE decision = 'ALLOW'`,
    );
    await runner.query(`
      CREATE TABLE "${s}".policies (
        account_id text PRIMARY KEY,
        mode text NOT NULL CHECK (mode IN ('ENFORCE', 'RECORD_ONLY')),
        countries jsonb NOT NULL DEFAULT '[]',
        block_line_types text[] NOT NULL DEFAULT '{}',
        max_sms_per_day int CHECK (max_sms_per_day >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE "${s}".lookups (
        phone_hash text PRIMARY KEY,
        result jsonb NOT NULL,
        fetched_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE "${s}".verification_outcomes (
        verification_id text PRIMARY KEY,
        account_id text NOT NULL,
        country_code text NOT NULL,
        started_at timestamptz NOT NULL,
        approved_at timestamptz,
        blocked boolean NOT NULL DEFAULT false
      )`);
    await runner.query(
      `CREATE INDEX verification_outcomes_by_account ON "${s}".verification_outcomes (account_id, started_at)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`DROP TABLE "${s}".verification_outcomes`);
    await runner.query(`DROP TABLE "${s}".lookups`);
    await runner.query(`DROP TABLE "${s}".policies`);
    await runner.query(`DROP TABLE "${s}".assessments`);
  }
}
