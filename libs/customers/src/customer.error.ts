import { DomainError } from '@app/common';

export type CustomerErrorCode =
  | 'customer_not_found'
  | 'organisation_not_found'
  | 'invalid_customer'
  | 'invalid_organisation'
  | 'organisation_exists'
  | 'address_taken'
  | 'merge_refused';

/** Errors of customers and organisations. Messages name fields and rules, never personal values. */
export class CustomerError extends DomainError {
  readonly domain = 'customers';

  constructor(
    override readonly code: CustomerErrorCode,
    message: string,
    details?: Record<string, string>,
  ) {
    super(code, message, details);
  }
}
