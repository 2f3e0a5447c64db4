import { DomainError } from '@app/common';

export type PortalErrorCode =
  | 'validation_failed'
  | 'invalid_credentials'
  | 'login_throttled'
  | 'invalid_link'
  | 'address_taken'
  | 'portal_unauthenticated'
  | 'csrf_failed'
  | 'ticket_not_found'
  | 'attachment_not_found'
  | 'too_many_attachments'
  | 'attachment_too_large'
  | 'invalid_ticket_change';

/** Errors of the customer portal. Messages never carry personal values (they may be logged). */
export class PortalError extends DomainError {
  readonly domain = 'portal';

  constructor(
    override readonly code: PortalErrorCode,
    message: string,
    details?: Record<string, string>,
  ) {
    super(code, message, details);
  }
}
