import { DomainError } from '@app/common';
import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { friendlyErrorPage, wantsFriendlyPage } from '../pages/friendly-errors';

/** The one place where domain error codes become HTTP statuses. */
const STATUS_BY_CODE: Record<string, number> = {
  validation_failed: 400,
  too_many_attachments: 400,
  attachment_too_large: 413,
  invalid_cursor: 400,
  invalid_filter: 400,
  invalid_user: 400,
  invalid_credentials: 401,
  unauthenticated: 401,
  csrf_failed: 403,
  forbidden: 403,
  ticket_not_found: 404,
  user_exists: 409,
  // Agent inbox (issue 5).
  attachment_not_found: 404,
  canned_reply_not_found: 404,
  canned_reply_exists: 409,
  invalid_ticket_change: 400,
  invalid_merge: 400,
  invalid_sla_policy: 400,
  // IMAP intake (issue 3).
  invalid_mailbox: 400,
  mailbox_not_found: 404,
  mailbox_exists: 409,
  quarantine_not_found: 404,
  quarantine_no_bytes: 409,
  // The action ran but the mail server refused or was unreachable: an upstream failure.
  quarantine_action_failed: 502,
  // Privacy (issue 6).
  invalid_policy: 400,
  contact_not_found: 404,
  dsr_not_found: 404,
  dsr_invalid_state: 409,
  invalid_dsr: 400,
  invalid_correction: 400,
  contact_email_taken: 409,
  invalid_withdrawal_token: 400,
  policy_version_exists: 409,
  invalid_consent: 400,
  // Admin and audit (issue 12). A malformed entry is a bug in the caller, not bad input.
  invalid_audit_entry: 500,
  invalid_audit_filter: 400,
  login_throttled: 429,
  otp_required: 401,
  invalid_otp: 401,
  two_factor_setup_required: 403,
  two_factor_not_pending: 409,
  user_not_found: 404,
  invalid_password: 400,
  last_admin: 409,
  link_invalid: 410,
  group_not_found: 404,
  group_exists: 409,
  group_in_use: 409,
  invalid_group: 400,
  invalid_settings: 400,
  setup_done: 409,
  setup_token_invalid: 403,
  cross_site_request: 403,
  invalid_recipient: 400,
  // Hardening (issue 15): malformed ids and parameters.
  invalid_id: 400,
  invalid_parameter: 400,
  // Customers (issue 11).
  customer_not_found: 404,
  organisation_not_found: 404,
  invalid_customer: 400,
  invalid_organisation: 400,
  organisation_exists: 409,
  address_taken: 409,
  merge_refused: 409,
  invalid_report: 400,
  // Agent notifications and signature (issue 14).
  invalid_preferences: 400,
  // Customer portal (issue 13).
  invalid_link: 400,
  portal_unauthenticated: 401,
  // Answering (issue 14).
  invalid_upload: 400,
  upload_not_found: 404,
  message_not_found: 404,
  retry_not_possible: 409,
  group_not_allowed: 403,
};

/**
 * Domain errors → their status with `{ error: code, message, fields? }`. Nest HTTP exceptions pass
 * through. Anything else is logged (class name only) and answered with a bare 500, so internals
 * and message content never reach the caller.
 */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    // Customers' browsers (the public form and the portal) get pages, API clients keep JSON (issue 13).
    if (wantsFriendlyPage(req)) {
      if (!(exception instanceof DomainError || exception instanceof HttpException)) {
        this.logger.error({ error: exception instanceof Error ? exception.name : typeof exception }, 'unhandled error');
      }
      friendlyErrorPage(req, res, exception, this.statusOf(exception));
      return;
    }
    if (exception instanceof DomainError) {
      const status = STATUS_BY_CODE[exception.code] ?? 400;
      res.status(status).json({
        statusCode: status,
        error: exception.code,
        message: exception.message,
        ...(exception.details ? { fields: exception.details } : {}),
      });
      return;
    }
    if (exception instanceof ThrottlerException) {
      res.status(429).json({ statusCode: 429, error: 'rate_limited', message: 'Too many requests; slow down' });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      res.status(status).json(typeof body === 'string' ? { statusCode: status, message: body } : body);
      return;
    }
    this.logger.error({ error: exception instanceof Error ? exception.name : typeof exception }, 'unhandled error');
    res.status(500).json({ statusCode: 500, error: 'internal_error', message: 'Something went wrong' });
  }

  private statusOf(exception: unknown): number {
    if (exception instanceof DomainError) return STATUS_BY_CODE[exception.code] ?? 400;
    if (exception instanceof ThrottlerException) return 429;
    if (exception instanceof HttpException) return exception.getStatus();
    return 500;
  }
}
