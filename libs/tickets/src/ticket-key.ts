import { isUuid } from '@app/common';
import { parseTicketReference } from '@app/database';
import { TicketError } from './ticket.error';

/**
 * The SQL condition that picks one ticket by its id (a UUID) or its reference (`T-10042`), so every
 * ticket route accepts either. Anything else is "not found" before it reaches the database.
 */
export function ticketKeySql(idOrReference: unknown, param: (value: unknown) => string, alias = 't'): string {
  const text = typeof idOrReference === 'string' ? idOrReference.trim() : '';
  const number = parseTicketReference(text);
  if (number !== null) return `${alias}.number = ${param(number)}`;
  if (isUuid(text)) return `${alias}.id = ${param(text)}`;
  throw new TicketError('ticket_not_found', 'No such ticket');
}
