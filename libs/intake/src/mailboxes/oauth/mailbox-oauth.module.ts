import { PasswordCipher } from '@app/mail';
import { SmtpRouteResolver } from '@app/tickets';
import { Global, Module } from '@nestjs/common';
import { MailboxOAuthService } from './mailbox-oauth.service';

/**
 * OAuth2 tokens of mailboxes. Global, so the outbound sender (libs/tickets, which cannot import
 * intake) finds its SmtpRouteResolver wherever MailboxesModule is loaded.
 */
@Global()
@Module({
  providers: [PasswordCipher, MailboxOAuthService, { provide: SmtpRouteResolver, useExisting: MailboxOAuthService }],
  exports: [MailboxOAuthService, SmtpRouteResolver],
})
export class MailboxOAuthModule {}
