import { DomainError } from '@app/common';

export type MailboxErrorCode = 'mailbox_not_found' | 'mailbox_exists' | 'invalid_mailbox';

export class MailboxError extends DomainError {
  readonly domain = 'mailboxes';

  constructor(
    override readonly code: MailboxErrorCode,
    message: string,
    details?: Record<string, string>,
  ) {
    super(code, message, details);
  }
}
