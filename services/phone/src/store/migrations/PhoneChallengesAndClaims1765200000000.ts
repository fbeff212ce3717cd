import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

/**
 * CHALLENGED verifications (ALTCHA proof of work), the columns the events need (prefix hashes, send
 * decisions), and the claims that keep every Twilio call outside a transaction: a verification row
 * claimed by the one request talking to Twilio about it, and an inquiry claimed by the one start in
 * progress for it. At most one active (PENDING or CHALLENGED) verification per inquiry.
 */
export class PhoneChallengesAndClaims1765200000000 implements MigrationInterface {
  name = 'PhoneChallengesAndClaims1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`
      ALTER TABLE "${s}".phone_verifications
        DROP CONSTRAINT IF EXISTS phone_verifications_status_check,
        ADD CONSTRAINT phone_verifications_status_check CHECK (status IN
          ('PENDING', 'CHALLENGED', 'APPROVED', 'CANCELED', 'MAX_ATTEMPTS_REACHED', 'EXPIRED', 'FAILED', 'BLOCKED')),
        ADD COLUMN prefix_hashes jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN friendly_name text,
        ADD COLUMN challenge jsonb,
        ADD COLUMN last_attempt_at timestamptz,
        ADD COLUMN claim_token uuid,
        ADD COLUMN claimed_until timestamptz`);
    await queryRunner.query(
      `UPDATE "${s}".phone_verifications SET last_attempt_at = created_at WHERE last_attempt_at IS NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "${s}".phone_verifications ALTER COLUMN last_attempt_at SET NOT NULL`,
    );
    // Before the rule below existed an inquiry could hold several pending verifications: keep the newest.
    await queryRunner.query(`
      UPDATE "${s}".phone_verifications v SET status = 'CANCELED'
       WHERE v.status = 'PENDING' AND EXISTS (
         SELECT 1 FROM "${s}".phone_verifications newer
          WHERE newer.account_id = v.account_id AND newer.inquiry_id = v.inquiry_id
            AND newer.status = 'PENDING' AND (newer.created_at, newer.id) > (v.created_at, v.id))`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX phone_verifications_one_active ON "${s}".phone_verifications (account_id, inquiry_id)
       WHERE status IN ('PENDING', 'CHALLENGED')`);
    await queryRunner.query(`DROP INDEX IF EXISTS "${s}".phone_verifications_pending_expiry`);
    await queryRunner.query(`
      CREATE INDEX phone_verifications_active_expiry ON "${s}".phone_verifications (expires_at)
       WHERE status IN ('PENDING', 'CHALLENGED')`);
    await queryRunner.query(`
      CREATE TABLE "${s}".start_claims (
        account_id text NOT NULL,
        inquiry_id text NOT NULL,
        token uuid NOT NULL,
        claimed_until timestamptz NOT NULL,
        PRIMARY KEY (account_id, inquiry_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE "${s}".start_claims`);
    await queryRunner.query(`DROP INDEX "${s}".phone_verifications_active_expiry`);
    await queryRunner.query(`DROP INDEX "${s}".phone_verifications_one_active`);
    await queryRunner.query(
      `UPDATE "${s}".phone_verifications SET status = 'BLOCKED' WHERE status = 'CHALLENGED'`,
    );
    await queryRunner.query(`
      ALTER TABLE "${s}".phone_verifications
        DROP COLUMN prefix_hashes, DROP COLUMN friendly_name, DROP COLUMN challenge,
        DROP COLUMN last_attempt_at, DROP COLUMN claim_token, DROP COLUMN claimed_until,
        DROP CONSTRAINT phone_verifications_status_check,
        ADD CONSTRAINT phone_verifications_status_check CHECK (status IN
          ('PENDING', 'APPROVED', 'CANCELED', 'MAX_ATTEMPTS_REACHED', 'EXPIRED', 'FAILED', 'BLOCKED'))`);
    await queryRunner.query(
      `CREATE INDEX phone_verifications_pending_expiry ON "${s}".phone_verifications (expires_at) WHERE status = 'PENDING'`,
    );
  }
}
