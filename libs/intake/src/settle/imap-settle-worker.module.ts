import { Module } from '@nestjs/common';
import { MailboxesModule } from '../mailboxes/mailboxes.module';
import { ExpireQuarantineHandler } from '../quarantine/expire-quarantine.handler';
import { QuarantineActionHandler } from '../quarantine/quarantine-action.handler';
import { QuarantineActionService } from '../quarantine/quarantine-action.service';
import { ImapConnectionPool } from './imap-connection-pool';
import { SettleInboundService } from './settle-inbound.service';
import { SettleInboundHandler } from './settle.handler';

/** Handlers of the `imap-settle` queue; import in worker processes only. */
@Module({
  imports: [MailboxesModule],
  providers: [
    ImapConnectionPool,
    SettleInboundService,
    SettleInboundHandler,
    ExpireQuarantineHandler,
    QuarantineActionService,
    QuarantineActionHandler,
  ],
  exports: [SettleInboundService],
})
export class ImapSettleWorkerModule {}
