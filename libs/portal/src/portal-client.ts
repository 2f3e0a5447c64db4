/** What a request tells about the browser; recorded with sign-ins like staff ones. */
export interface PortalClient {
  ip: string | undefined;
  userAgent: string | undefined;
  acceptLanguage: string | undefined;
}

/** The signed-in customer as the controllers see it. */
export interface PortalCustomer {
  accountId: string;
  sessionId: string;
  csrfToken: string;
  /** The contact holding the customer's personal data; null until an address is verified. */
  contactId: string | null;
  name: string | null;
  emails: Array<{ id: string; email: string; verified: boolean }>;
}

export interface PortalSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export type AccountMailKind = 'verify' | 'magic_link';

/** How long links live: long enough to find the mail, short enough to be useless later. */
export const LINK_TTL_MS: Record<AccountMailKind, number> = {
  verify: 24 * 3600_000,
  magic_link: 15 * 60_000,
};

/** Account mails per account and hour; more requests are answered the same way but send nothing. */
export const ACCOUNT_MAILS_PER_HOUR = 5;
