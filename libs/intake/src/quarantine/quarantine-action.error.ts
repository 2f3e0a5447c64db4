import { DomainError } from '@app/common';

export type QuarantineActionErrorCode =
  'quarantine_not_found' | 'quarantine_no_bytes' | 'quarantine_action_failed' | 'invalid_filter';

/** Errors of the admin actions on quarantined messages (list, replay, delete). */
export class QuarantineActionError extends DomainError {
  readonly domain = 'quarantine';

  constructor(
    override readonly code: QuarantineActionErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
