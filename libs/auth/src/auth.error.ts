import { DomainError } from '@app/common';

export type AuthErrorCode =
  | 'invalid_credentials'
  | 'unauthenticated'
  | 'forbidden'
  | 'csrf_failed'
  | 'account_locked'
  | 'user_exists'
  | 'invalid_user';

export class AuthError extends DomainError {
  readonly domain = 'auth';

  constructor(
    override readonly code: AuthErrorCode,
    message: string,
    details?: Record<string, string>,
  ) {
    super(code, message, details);
  }
}
