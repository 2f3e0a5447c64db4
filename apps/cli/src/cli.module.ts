import { AuthModule } from '@app/auth';
import { TicketsModule } from '@app/tickets';
import { Module } from '@nestjs/common';
import { MailCommand, MailInspectCommand } from './commands/mail-inspect.command';
import { TicketCommand, TicketListCommand, TicketShowCommand } from './commands/ticket.command';
import { UserCommand, UserCreateCommand } from './commands/user.command';

/** Every `intake` command. Needs PlatformModule beside it. */
@Module({
  imports: [AuthModule, TicketsModule],
  providers: [UserCommand, UserCreateCommand, TicketCommand, TicketListCommand, TicketShowCommand, MailCommand, MailInspectCommand],
})
export class CliModule {}
