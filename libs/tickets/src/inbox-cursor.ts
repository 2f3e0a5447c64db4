import { TicketError } from './ticket.error';

/**
 * Position in a sorted ticket list: the sort key as PostgreSQL printed it (microsecond precision,
 * or 'infinity') and the id. Keeping PostgreSQL's own text avoids the millisecond rounding of a
 * JavaScript Date, which would skip or repeat rows that share a millisecond.
 */
export interface InboxCursor {
  sort: string;
  key: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP = /^(infinity|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:\d{2})?|Z))$/;

export function encodeInboxCursor(cursor: InboxCursor): string {
  return Buffer.from(`${cursor.sort}|${cursor.key}|${cursor.id}`).toString('base64url');
}

export function decodeInboxCursor(value: string, sort: string): InboxCursor {
  const [s, key, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  if (s !== sort || !key || !TIMESTAMP.test(key) || !realTimestamp(key) || !id || !UUID.test(id)) {
    throw new TicketError('invalid_cursor', 'The cursor is not valid');
  }
  return { sort: s, key, id };
}

/**
 * The pattern lets through fields out of range (month 13, February 30, hour 25) that PostgreSQL
 * would refuse with an error: each field is checked against the calendar too.
 */
function realTimestamp(key: string): boolean {
  if (key === 'infinity') return true;
  const [y, mo, d, h, mi, sec] = key.split(/[-T :.+Z]/).map(Number);
  if ([y, mo, d, h, mi, sec].some((n) => n === undefined || Number.isNaN(n))) return false;
  const offset = /[+-](\d{2})(?::(\d{2}))?$/.exec(key);
  if (offset && (Number(offset[1]) > 15 || Number(offset[2] ?? 0) > 59)) return false;
  const date = new Date(Date.UTC(2000, mo - 1, d));
  date.setUTCFullYear(y);
  return y >= 1 && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h <= 23 && mi <= 59 && sec <= 59;
}
