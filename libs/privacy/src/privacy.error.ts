import { DomainError } from '@app/common';

export type PrivacyErrorCode =
  | 'invalid_policy'
  | 'mailbox_not_found'
  | 'contact_not_found'
  | 'dsr_not_found'
  | 'dsr_invalid_state'
  | 'invalid_dsr'
  | 'invalid_correction'
  | 'contact_email_taken'
  | 'invalid_withdrawal_token'
  | 'policy_version_exists'
  | 'invalid_consent'
  | 'invalid_id'
  | 'invalid_parameter';

/** Errors of the privacy domain. Messages name fields and states, never personal values. */
export class PrivacyError extends DomainError {
  readonly domain = 'privacy';

  constructor(
    override readonly code: PrivacyErrorCode,
    message: string,
    details?: Record<string, string>,
  ) {
    super(code, message, details);
  }
}
