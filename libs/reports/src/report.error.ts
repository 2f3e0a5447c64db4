import { DomainError } from '@app/common';
import type { z } from 'zod';

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

/** Parses a report's query with its schema; the first problem becomes a 400 naming the field. */
export function parseReportQuery<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = String(issue?.path[0] ?? 'query');
  throw new ReportError('invalid_report', `${field} ${issue?.message ?? 'is invalid'}`, {
    [field]: issue?.message ?? 'is invalid',
  });
}
