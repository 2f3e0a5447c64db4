import { DomainError } from '@app/common';

export type IntakeErrorCode = 'validation_failed' | 'too_many_attachments' | 'attachment_too_large';

/** Errors of the intake domain that reach callers (web form, import). */
export class IntakeError extends DomainError {
  readonly domain = 'intake';

  constructor(
    override readonly code: IntakeErrorCode,
    message: string,
    details?: Record<string, string>,
  ) {
    super(code, message, details);
  }
}

/**
 * A message that can never be processed as it is (malformed, over a limit). The pipeline stops,
 * and the staged row is quarantined with `reason` — a short code, never message content.
 */
export class QuarantineError extends Error {
  readonly code = 'quarantine';

  constructor(readonly reason: string) {
    super(`quarantined: ${reason}`);
  }
}
