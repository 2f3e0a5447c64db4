import { DomainError } from '@app/common';

export type AuditErrorCode = 'invalid_audit_entry' | 'invalid_audit_filter';

export class AuditError extends DomainError {
  readonly domain = 'audit';

  constructor(
    override readonly code: AuditErrorCode,
    message: string,
    details?: Record<string, string>,
  ) {
    super(code, message, details);
  }
}
