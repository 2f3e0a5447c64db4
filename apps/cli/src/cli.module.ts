import { AuthModule } from '@app/auth';
import { MailboxesModule } from '@app/intake';
import { PrivacyModule } from '@app/privacy';
import { ReportsModule } from '@app/reports';
import { TicketsModule } from '@app/tickets';
import { Module } from '@nestjs/common';
import { DSR_COMMANDS } from './commands/dsr.command';
import { GROUP_COMMANDS } from './commands/group.command';
import { ImportCommand } from './commands/import.command';
import { MAILBOX_COMMANDS } from './commands/mailbox.command';
import { QUARANTINE_COMMANDS } from './commands/quarantine.command';
import { MailCommand, MailInspectCommand } from './commands/mail-inspect.command';
import { RETENTION_COMMANDS } from './commands/retention.command';
import { StatsCommand, StatsRollupCommand, StatsShowCommand } from './commands/stats.command';
import { TicketCommand, TicketListCommand, TicketShowCommand } from './commands/ticket.command';
import { USER_COMMANDS } from './commands/user.command';

/** Every `intake` command, in the order help lists them. */
export const ALL_COMMANDS = [
  ...USER_COMMANDS,
  ...GROUP_COMMANDS,
  TicketCommand,
  TicketListCommand,
  TicketShowCommand,
  // Privacy (issue 6).
  ...RETENTION_COMMANDS,
  ...DSR_COMMANDS,
  StatsCommand,
  StatsRollupCommand,
  StatsShowCommand,
  // Understanding mail (issue 4).
  MailCommand,
  MailInspectCommand,
  // IMAP intake (issue 3).
  ...MAILBOX_COMMANDS,
  ...QUARANTINE_COMMANDS,
  ImportCommand,
];

/** Every `intake` command with what it runs on. Needs PlatformModule beside it. */
@Module({
  imports: [AuthModule, TicketsModule, PrivacyModule, MailboxesModule, ReportsModule],
  providers: ALL_COMMANDS,
})
export class CliModule {}
