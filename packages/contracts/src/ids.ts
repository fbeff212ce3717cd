import { randomBytes } from 'node:crypto';

/** The millisecond of the last id made here, and the counter of ids made in it. */
let lastMs = -1;
let sequence = 0;
/** Ids of one millisecond the counter keeps in order (it starts at random below 2 048 and counts to 4 095). */
const MAX_SEQUENCE = 0xfff;

/**
 * UUID version 7 (RFC 9562): a millisecond timestamp followed by randomness, so ids sort by creation
 * time. Event ids and primary keys use it; cursors, outbox order and an inquiry's event history
 * (ordered by id) rely on that monotonicity — within one millisecond too: the 12 bits after the
 * version count the ids of that millisecond (RFC 9562 §6.2, method 1, from a random start), so two
 * ids made in one process in one millisecond sort in the order they were made (up to about 2 000
 * of them; past that the counter starts again at random). 62 random bits stay in every id.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  if (now === lastMs && sequence < MAX_SEQUENCE) {
    sequence += 1;
  } else {
    lastMs = now;
    sequence = (((bytes[6] ?? 0) & 0x07) << 8) | (bytes[7] ?? 0);
  }
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for any RFC 9562 UUID string; ids that fail this are answered NOT_FOUND without a query. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The scope a partner key needs to read PII in clear. */
export const PII_READ_SCOPE = 'pii:read';
