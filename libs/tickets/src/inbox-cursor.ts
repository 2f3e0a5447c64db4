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
  if (s !== sort || !key || !TIMESTAMP.test(key) || !id || !UUID.test(id)) {
    throw new TicketError('invalid_cursor', 'The cursor is not valid');
  }
  return { sort: s, key, id };
}
