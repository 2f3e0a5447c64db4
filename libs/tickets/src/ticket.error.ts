import { DomainError } from '@app/common';

export type TicketErrorCode =
  | 'ticket_not_found'
  | 'attachment_not_found'
  | 'invalid_cursor'
  | 'invalid_filter'
  | 'invalid_ticket_change'
  | 'invalid_merge'
  | 'canned_reply_not_found'
  | 'canned_reply_exists'
  | 'invalid_sla_policy'
  // Admin (issue 12).
  | 'invalid_recipient'
  // Answering (issue 14).
  | 'invalid_upload'
  | 'upload_not_found'
  | 'message_not_found'
  | 'retry_not_possible'
  | 'group_not_allowed'
  | 'contact_not_found';

export class TicketError extends DomainError {
  readonly domain = 'tickets';

  constructor(
    override readonly code: TicketErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
