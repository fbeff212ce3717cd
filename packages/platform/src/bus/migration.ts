import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '../sql.js';

/**
 * Tables every service has for its events: the outbox (written in the same transaction as the state
 * change), the inbox (one row per handled event and consumer) and parked events awaiting an operator.
 */
export class PlatformTables1764115200000 implements MigrationInterface {
  name = 'PlatformTables1764115200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE "${s}".outbox (
        seq bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        subject text NOT NULL,
        payload jsonb NOT NULL,
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        attempts int NOT NULL DEFAULT 0,
        last_error text
      )`);
    await queryRunner.query(
      `CREATE INDEX outbox_unpublished ON "${s}".outbox (seq) WHERE published_at IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "${s}".inbox (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE "${s}".parked_events (
        id bigserial PRIMARY KEY,
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        subject text NOT NULL,
        payload jsonb NOT NULL,
        error text NOT NULL,
        deliveries int NOT NULL,
        parked_at timestamptz NOT NULL DEFAULT now(),
        replayed_at timestamptz,
        UNIQUE (consumer, event_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE "${s}".parked_events`);
    await queryRunner.query(`DROP TABLE "${s}".inbox`);
    await queryRunner.query(`DROP TABLE "${s}".outbox`);
  }
}

/**
 * The relay lease: one row per schema naming the instance that publishes its outbox, so events leave
 * in commit order even with several replicas and no transaction is held while publishing.
 */
export class PlatformRelayLease1764900000000 implements MigrationInterface {
  name = 'PlatformRelayLease1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE "${s}".outbox_relay (
        id int PRIMARY KEY CHECK (id = 1),
        holder text NOT NULL,
        until timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${schemaOf(queryRunner)}".outbox_relay`);
  }
}

/**
 * Parked events are tried again on their own, each with a growing wait (`next_replay_at`), until one
 * attempt succeeds or an operator discards it.
 */
export class PlatformParkedReplay1764900000001 implements MigrationInterface {
  name = 'PlatformParkedReplay1764900000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`
      ALTER TABLE "${s}".parked_events
        ADD COLUMN auto_replays int NOT NULL DEFAULT 0,
        ADD COLUMN next_replay_at timestamptz,
        ADD COLUMN discarded_at timestamptz`);
    await queryRunner.query(
      `CREATE INDEX parked_events_due ON "${s}".parked_events (next_replay_at)
         WHERE replayed_at IS NULL AND discarded_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP INDEX "${s}".parked_events_due`);
    await queryRunner.query(
      `ALTER TABLE "${s}".parked_events DROP COLUMN auto_replays, DROP COLUMN next_replay_at, DROP COLUMN discarded_at`,
    );
  }
}

/** An outbox row keeps the trace context of the transaction that wrote it, for the event's consumers. */
export class PlatformOutboxTrace1764900000002 implements MigrationInterface {
  name = 'PlatformOutboxTrace1764900000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "${schemaOf(queryRunner)}".outbox ADD COLUMN traceparent text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "${schemaOf(queryRunner)}".outbox DROP COLUMN traceparent`);
  }
}
