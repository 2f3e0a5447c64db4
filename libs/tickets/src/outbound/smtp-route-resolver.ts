import type { MailboxEntity } from '@app/database';
import type { SmtpRoute } from '@app/mail';

/**
 * Port for mailboxes that sign in to SMTP with OAuth2: answers the route with a fresh access token
 * (or undefined for a mailbox without OAuth2). Throws MailSendError `oauth_revoked` when the grant
 * is gone. Provided by the OAuth2 module in worker processes; without it, mailboxes use their SMTP
 * URL or the default transport.
 */
export abstract class SmtpRouteResolver {
  abstract routeFor(mailbox: MailboxEntity): Promise<SmtpRoute | undefined>;
}
