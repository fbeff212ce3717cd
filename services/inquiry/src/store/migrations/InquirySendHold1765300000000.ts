import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@attestor/platform';

/**
 * An inquiry held open for a send already admitted (`rpc.inquiry.lookup` with `holdForSendMs`): the
 * expiry sweeper leaves it alone until the hold ends, so the phone service never sends a code for an
 * inquiry that expired between its last ask and the Twilio call.
 */
export class InquirySendHold1765300000000 implements MigrationInterface {
  name = 'InquirySendHold1765300000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`ALTER TABLE "${s}".inquiries ADD COLUMN send_held_until timestamptz`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`ALTER TABLE "${s}".inquiries DROP COLUMN send_held_until`);
  }
}
