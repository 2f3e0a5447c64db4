import { DomainError } from '@app/common';

export type TicketErrorCode = 'ticket_not_found' | 'invalid_cursor' | 'invalid_filter';

export class TicketError extends DomainError {
  readonly domain = 'tickets';

  constructor(
    override readonly code: TicketErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
