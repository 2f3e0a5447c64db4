/**
 * Base of the typed errors. Each domain has one subclass with a string `code`; the API maps codes
 * to HTTP statuses in one place (apps/api, DomainExceptionFilter). Messages must never contain
 * personal data: they may be logged and returned to callers.
 */
export abstract class DomainError extends Error {
  abstract readonly domain: string;

  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, string>,
  ) {
    super(message);
  }
}
