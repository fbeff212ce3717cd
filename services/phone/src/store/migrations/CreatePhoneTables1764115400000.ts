import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

export class CreatePhoneTables1764115400000 implements MigrationInterface {
  name = 'CreatePhoneTables1764115400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE "${s}".phone_verifications (
        id uuid PRIMARY KEY,
        account_id text NOT NULL,
        inquiry_id text NOT NULL,
        phone_sealed text,
        phone_hash text,
        phone_masked text NOT NULL,
        country_code text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('SMS', 'CALL', 'WHATSAPP')),
        status text NOT NULL CHECK (status IN
          ('PENDING', 'APPROVED', 'CANCELED', 'MAX_ATTEMPTS_REACHED', 'EXPIRED', 'FAILED', 'BLOCKED')),
        locale text,
        provider_sid text,
        check_attempts int NOT NULL DEFAULT 0 CHECK (check_attempts >= 0),
        send_attempts int NOT NULL DEFAULT 0 CHECK (send_attempts >= 0),
        risk_assessment_id text,
        risk_assessment_skipped boolean NOT NULL DEFAULT false,
        status_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        approved_at timestamptz,
        redacted_at timestamptz
      )`);
    // Inquiry.phoneVerifications (newest first) and redaction, both per account and inquiry.
    await queryRunner.query(
      `CREATE INDEX phone_verifications_inquiry ON "${s}".phone_verifications (account_id, inquiry_id, created_at DESC)`,
    );
    // The expiry sweeper reads only pending rows, oldest deadline first.
    await queryRunner.query(
      `CREATE INDEX phone_verifications_pending_expiry ON "${s}".phone_verifications (expires_at) WHERE status = 'PENDING'`,
    );
    await queryRunner.query(`
      CREATE TABLE "${s}".send_attempts (
        id uuid PRIMARY KEY,
        account_id text NOT NULL,
        verification_id uuid NOT NULL REFERENCES "${s}".phone_verifications (id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN ('SMS', 'CALL', 'WHATSAPP')),
        outcome text NOT NULL CHECK (outcome IN ('SENT', 'RATE_LIMITED', 'BLOCKED', 'REJECTED', 'FAILED')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX send_attempts_verification ON "${s}".send_attempts (account_id, verification_id, created_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE "${s}".send_attempts`);
    await queryRunner.query(`DROP TABLE "${s}".phone_verifications`);
  }
}
