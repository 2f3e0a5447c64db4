import { AuthModule } from '@app/auth';
import { MailboxesModule } from '@app/intake';
import { TicketsModule } from '@app/tickets';
import { Module } from '@nestjs/common';
import { ImportCommand } from './commands/import.command';
import { MailCommand, MailInspectCommand } from './commands/mail-inspect.command';
import { MAILBOX_COMMANDS } from './commands/mailbox.command';
import { QUARANTINE_COMMANDS } from './commands/quarantine.command';
import { TicketCommand, TicketListCommand, TicketShowCommand } from './commands/ticket.command';
import { UserCommand, UserCreateCommand } from './commands/user.command';

/** Every `intake` command. Needs PlatformModule beside it. */
@Module({
  imports: [AuthModule, TicketsModule, MailboxesModule],
  providers: [UserCommand, UserCreateCommand, TicketCommand, TicketListCommand, TicketShowCommand, MailCommand, MailInspectCommand,
    // IMAP intake (issue 3).
    ...MAILBOX_COMMANDS,
    ...QUARANTINE_COMMANDS,
    ImportCommand,
  ],
})
export class CliModule {}
