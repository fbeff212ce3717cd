import type { EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';
import type { ListEntry, ListKind, ListMatch } from '../domain/lists.js';
import { bumpSettingsVersion } from './policies.js';

/** A list entry as stored: `value` is what rules match (a hash for numbers), `shown` what the API shows. */
export interface ListEntryRow extends ListEntry {
  accountId: string;
  shown: string;
  note: string | null;
  createdAt: Date;
}

export interface RawListEntry {
  id: string;
  account_id: string;
  kind: ListKind;
  match: ListMatch;
  value: string;
  shown: string;
  note: string | null;
  created_at: Date;
}

export const listEntryOf = (r: RawListEntry): ListEntryRow => ({
  id: r.id,
  accountId: r.account_id,
  kind: r.kind,
  match: r.match,
  value: r.value,
  shown: r.shown,
  note: r.note,
  createdAt: r.created_at,
});

/** Each account's allow and block entries. */
export class ListStore extends Store {
  async ofAccount(db: EntityManager, accountId: string): Promise<ListEntryRow[]> {
    const rows = (await db.query(
      `SELECT * FROM ${this.table('list_entries')} WHERE account_id = $1 ORDER BY created_at, id`,
      [accountId],
    )) as RawListEntry[];
    return rows.map(listEntryOf);
  }

  /**
   * Adds an entry; an identical one (kind, match, value) already there is answered instead. The
   * account's settings version is bumped in the same statement (assessments cache the lists by it).
   */
  async add(db: EntityManager, row: ListEntryRow): Promise<ListEntryRow> {
    const [inserted] = (await db.query(
      `WITH bumped AS (${bumpSettingsVersion(this.table('settings_versions'), '$2')})
       INSERT INTO ${this.table('list_entries')} (id, account_id, kind, match, value, shown, note, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (account_id, kind, match, value) DO UPDATE SET note = COALESCE(EXCLUDED.note, list_entries.note)
       RETURNING *`,
      [row.id, row.accountId, row.kind, row.match, row.value, row.shown, row.note, row.createdAt],
    )) as RawListEntry[];
    return inserted ? listEntryOf(inserted) : row;
  }

  async remove(db: EntityManager, accountId: string, id: string): Promise<ListEntryRow | null> {
    const [removed] = (await db.query(
      `WITH removed AS (
         DELETE FROM ${this.table('list_entries')} WHERE account_id = $1 AND id = $2 RETURNING *
       ), bumped AS (${bumpSettingsVersion(this.table('settings_versions'))})
       SELECT * FROM removed`,
      [accountId, id],
    )) as RawListEntry[];
    return removed ? listEntryOf(removed) : null;
  }
}
