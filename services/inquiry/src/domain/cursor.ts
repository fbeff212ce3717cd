import { isUuid } from '@attestor/contracts';
import { badInput } from '@attestor/platform/errors';

/**
 * Page cursors: the last inquiry's id (a uuid v7, so ids sort by creation) wrapped so clients treat it
 * as opaque. Newer inquiries have larger ids and never shift a page that follows a cursor.
 */
const PREFIX = 'inquiry:';

export function encodeCursor(id: string): string {
  return Buffer.from(`${PREFIX}${id}`).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): string {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!isUuid(id)) throw badInput('Not a cursor this API returned', field);
  return id.toLowerCase();
}

export const MAX_PAGE_SIZE = 100;

export function checkPageSize(first: number | null | undefined, fallback = 20, field = 'first'): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, field);
  }
  return size;
}
