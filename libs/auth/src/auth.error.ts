import { DomainError } from '@app/common';

export type AuthErrorCode =
  | 'invalid_credentials'
  | 'unauthenticated'
  | 'forbidden'
  | 'csrf_failed'
  | 'login_throttled'
  | 'otp_required'
  | 'invalid_otp'
  | 'two_factor_setup_required'
  | 'two_factor_not_pending'
  | 'user_exists'
  | 'user_not_found'
  | 'invalid_user'
  | 'invalid_password'
  | 'last_admin'
  | 'link_invalid'
  | 'group_not_found'
  | 'group_exists'
  | 'group_in_use'
  | 'invalid_group'
  | 'invalid_settings'
  | 'setup_done'
  | 'setup_token_invalid'
  | 'cross_site_request';

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
