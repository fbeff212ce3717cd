import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

/** Accounts and keys, templates, inquiries with their events and idempotency keys, webhooks and deliveries. */
export class CreateInquiryTables1764201600000 implements MigrationInterface {
  name = 'CreateInquiryTables1764201600000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`
      CREATE TABLE "${s}".accounts (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE "${s}".api_keys (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES "${s}".accounts (id),
        key_hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await runner.query(`CREATE INDEX api_keys_account ON "${s}".api_keys (account_id, id DESC)`);
    await runner.query(`
      CREATE TABLE "${s}".templates (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES "${s}".accounts (id),
        name text NOT NULL,
        steps text[] NOT NULL,
        expires_in_seconds int NOT NULL,
        auto_approve_at text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX templates_account ON "${s}".templates (account_id, id DESC)`);
    await runner.query(`
      CREATE TABLE "${s}".inquiries (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES "${s}".accounts (id),
        template_id uuid NOT NULL REFERENCES "${s}".templates (id),
        reference_id text,
        status text NOT NULL CHECK (status IN
          ('CREATED', 'PENDING', 'COMPLETED', 'FAILED', 'EXPIRED', 'NEEDS_REVIEW', 'APPROVED', 'DECLINED')),
        steps_done jsonb NOT NULL DEFAULT '{}',
        identity_status text,
        name_match text,
        name_first_sealed text,
        name_middle_sealed text,
        name_last_sealed text,
        birthdate_sealed text,
        phone_number_sealed text,
        phone_hash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        completed_at timestamptz,
        decided_at timestamptz,
        expires_at timestamptz NOT NULL,
        redacted_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX inquiries_account ON "${s}".inquiries (account_id, id DESC)`);
    await runner.query(
      `CREATE INDEX inquiries_account_status ON "${s}".inquiries (account_id, status, id DESC)`,
    );
    await runner.query(
      `CREATE INDEX inquiries_reference ON "${s}".inquiries (account_id, reference_id, id DESC) WHERE reference_id IS NOT NULL`,
    );
    await runner.query(
      `CREATE INDEX inquiries_phone_hash ON "${s}".inquiries (account_id, phone_hash) WHERE phone_hash IS NOT NULL`,
    );
    await runner.query(
      `CREATE INDEX inquiries_due ON "${s}".inquiries (expires_at) WHERE status IN ('CREATED', 'PENDING')`,
    );
    await runner.query(`
      CREATE TABLE "${s}".inquiry_events (
        id uuid PRIMARY KEY,
        inquiry_id uuid NOT NULL REFERENCES "${s}".inquiries (id) ON DELETE CASCADE,
        account_id uuid NOT NULL,
        type text NOT NULL,
        from_status text,
        to_status text,
        reason text,
        comment text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX inquiry_events_inquiry ON "${s}".inquiry_events (inquiry_id, id)`);
    // The key is claimed before the inquiry row exists (same transaction), hence the deferred reference.
    await runner.query(`
      CREATE TABLE "${s}".idempotency_keys (
        account_id uuid NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        inquiry_id uuid NOT NULL REFERENCES "${s}".inquiries (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, key)
      )`);
    await runner.query(`CREATE INDEX idempotency_keys_created ON "${s}".idempotency_keys (created_at)`);
    await runner.query(`
      CREATE TABLE "${s}".webhooks (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES "${s}".accounts (id),
        url text NOT NULL,
        events text[] NOT NULL,
        secret_sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX webhooks_account ON "${s}".webhooks (account_id, id DESC)`);
    await runner.query(`
      CREATE TABLE "${s}".webhook_deliveries (
        id uuid PRIMARY KEY,
        webhook_id uuid NOT NULL REFERENCES "${s}".webhooks (id) ON DELETE CASCADE,
        account_id uuid NOT NULL,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        payload text NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
        attempts int NOT NULL DEFAULT 0,
        last_status_code int,
        last_error text,
        next_attempt_at timestamptz,
        claimed_until timestamptz,
        retry_until timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        delivered_at timestamptz,
        UNIQUE (webhook_id, event_id)
      )`);
    await runner.query(
      `CREATE INDEX webhook_deliveries_due ON "${s}".webhook_deliveries (next_attempt_at) WHERE status = 'PENDING'`,
    );
    await runner.query(
      `CREATE INDEX webhook_deliveries_webhook ON "${s}".webhook_deliveries (webhook_id, id DESC)`,
    );
    await runner.query(`
      CREATE TABLE "${s}".webhook_attempts (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES "${s}".webhook_deliveries (id) ON DELETE CASCADE,
        at timestamptz NOT NULL,
        status_code int,
        error text,
        duration_ms int NOT NULL
      )`);
    await runner.query(`CREATE INDEX webhook_attempts_delivery ON "${s}".webhook_attempts (delivery_id, id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    for (const table of [
      'webhook_attempts',
      'webhook_deliveries',
      'webhooks',
      'idempotency_keys',
      'inquiry_events',
      'inquiries',
      'templates',
      'api_keys',
      'accounts',
    ]) {
      await runner.query(`DROP TABLE "${s}".${table}`);
    }
  }
}
