import { DomainError } from '@app/common';

/** Errors of reports: bad ranges and parameters. */
export class ReportError extends DomainError {
  readonly domain = 'reports';

  constructor(
    override readonly code: 'invalid_report',
    message: string,
    details?: Record<string, string>,
  ) {
    super(code, message, details);
  }
}
