import { DomainError } from '@app/common';

export type NotificationsErrorCode = 'invalid_preferences';

export class NotificationsError extends DomainError {
  readonly domain = 'notifications';

  constructor(
    override readonly code: NotificationsErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
