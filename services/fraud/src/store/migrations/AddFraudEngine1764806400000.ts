import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

/**
 * The layered engine (docs/fraud.md): policy fields, lists, the "verified before" set, conversion
 * counters and breakers, the velocity table (rate-limiter-flexible's layout), and the Lookup cache's
 * claim column (one lookup per number per TTL across instances).
 */
export class AddFraudEngine1764806400000 implements MigrationInterface {
  name = 'AddFraudEngine1764806400000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`
      ALTER TABLE "${s}".policies
        ADD COLUMN call_line_types text[] NOT NULL DEFAULT '{landline}',
        ADD COLUMN challenge_at int CHECK (challenge_at BETWEEN 0 AND 100),
        ADD COLUMN block_at int CHECK (block_at BETWEEN 0 AND 100),
        ADD COLUMN challenge_accepts_call boolean NOT NULL DEFAULT false`);
    await runner.query(`ALTER TABLE "${s}".assessments ADD COLUMN prefix_hashes text[]`);
    await runner.query(
      `CREATE INDEX assessments_by_country_time ON "${s}".assessments (account_id, created_at, country_code)`,
    );
    await runner.query(`
      ALTER TABLE "${s}".lookups
        ALTER COLUMN result DROP NOT NULL,
        ALTER COLUMN fetched_at DROP NOT NULL,
        ALTER COLUMN fetched_at DROP DEFAULT,
        ADD COLUMN claimed_until timestamptz`);
    await runner.query(`
      ALTER TABLE "${s}".verification_outcomes
        ADD COLUMN send_count int NOT NULL DEFAULT 0`);
    await runner.query(`UPDATE "${s}".verification_outcomes SET send_count = 1 WHERE NOT blocked`);
    await runner.query(`
      CREATE TABLE "${s}".list_entries (
        id uuid PRIMARY KEY,
        account_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('ALLOW', 'BLOCK')),
        match text NOT NULL CHECK (match IN ('PHONE_NUMBER', 'PREFIX', 'IP', 'COUNTRY')),
        value text NOT NULL,
        shown text NOT NULL,
        note text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(
      `CREATE UNIQUE INDEX list_entries_unique ON "${s}".list_entries (account_id, kind, match, value)`,
    );
    await runner.query(`
      CREATE TABLE "${s}".verified_numbers (
        account_id text NOT NULL,
        phone_hash text NOT NULL,
        inquiry_id text NOT NULL,
        verified_at timestamptz NOT NULL,
        PRIMARY KEY (account_id, phone_hash, inquiry_id)
      )`);
    await runner.query(
      `CREATE INDEX verified_numbers_by_inquiry ON "${s}".verified_numbers (account_id, inquiry_id)`,
    );
    await runner.query(`
      CREATE TABLE "${s}".conversions (
        account_id text NOT NULL,
        scope text NOT NULL,
        key text NOT NULL,
        bucket_start timestamptz NOT NULL,
        sent int NOT NULL DEFAULT 0,
        verified int NOT NULL DEFAULT 0,
        PRIMARY KEY (account_id, scope, key, bucket_start)
      )`);
    await runner.query(`
      CREATE TABLE "${s}".verified_keys (
        account_id text NOT NULL,
        scope text NOT NULL,
        key text NOT NULL,
        PRIMARY KEY (account_id, scope, key)
      )`);
    await runner.query(`
      CREATE TABLE "${s}".breakers (
        id uuid PRIMARY KEY,
        account_id text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('COUNTRY', 'PREFIX', 'IP', 'ACCOUNT')),
        key text NOT NULL,
        label text NOT NULL,
        reason text NOT NULL,
        unverified_sends int NOT NULL,
        threshold int NOT NULL,
        opened_at timestamptz NOT NULL,
        closes_at timestamptz NOT NULL,
        closed_at timestamptz,
        closed_by text CHECK (closed_by IN ('COOLING', 'OPERATOR'))
      )`);
    // One open breaker per key: replicas that trip the same key together open it once.
    await runner.query(
      `CREATE UNIQUE INDEX breakers_one_open ON "${s}".breakers (account_id, scope, key) WHERE closed_at IS NULL`,
    );
    await runner.query(`CREATE INDEX breakers_by_account ON "${s}".breakers (account_id, opened_at DESC)`);
    await runner.query(
      `CREATE INDEX breakers_cooling ON "${s}".breakers (closes_at) WHERE closed_at IS NULL`,
    );
    // rate-limiter-flexible's RateLimiterPostgres table, created here so no code runs DDL at start.
    await runner.query(`
      CREATE TABLE "${s}".velocity (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    for (const table of [
      'velocity',
      'breakers',
      'verified_keys',
      'conversions',
      'verified_numbers',
      'list_entries',
    ]) {
      await runner.query(`DROP TABLE "${s}".${table}`);
    }
    await runner.query(`ALTER TABLE "${s}".verification_outcomes DROP COLUMN send_count`);
    await runner.query(`DELETE FROM "${s}".lookups WHERE result IS NULL`);
    await runner.query(`ALTER TABLE "${s}".lookups DROP COLUMN claimed_until`);
    await runner.query(`DROP INDEX "${s}".assessments_by_country_time`);
    await runner.query(`ALTER TABLE "${s}".assessments DROP COLUMN prefix_hashes`);
    await runner.query(`
      ALTER TABLE "${s}".policies DROP COLUMN call_line_types, DROP COLUMN challenge_at,
        DROP COLUMN block_at, DROP COLUMN challenge_accepts_call`);
  }
}
