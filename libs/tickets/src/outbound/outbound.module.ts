import { AppConfig } from '@app/config';
import { AuditModule } from '@app/audit';
import { MailTransport, PasswordCipher, smtpTransportFromConfig } from '@app/mail';
import { Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TicketsModule } from '../tickets.module';
import { AcknowledgementSender } from './acknowledgement-sender';
import { AddNote } from './add-note.usecase';
import { CreateAgentTicket } from './create-agent-ticket.usecase';
import { DraftsService } from './drafts.service';
import { MessageActions } from './message-actions.usecase';
import { OutboundStatusService } from './outbound-status.service';
import { ReplyToTicket } from './reply-to-ticket.usecase';
import { RequeueOutbound } from './requeue-outbound.service';
import { SendMessageHandler } from './send-message.handler';
import { SweepUploadsHandler } from './sweep-uploads.handler';
import { UploadsService } from './uploads.service';

/** Outbound use cases for processes that accept agent actions (api, cli). */
const useCases = [
  ReplyToTicket,
  UploadsService,
  MessageActions,
  DraftsService,
  OutboundStatusService,
  CreateAgentTicket,
  AddNote,
];

@Module({ imports: [TicketsModule, AuditModule], providers: useCases, exports: useCases })
export class OutboundModule {}

class TransportCloser implements OnApplicationShutdown, OnApplicationBootstrap {
  constructor(private readonly transport: MailTransport) {}

  /** One clear line at start-up: with no SMTP_URL, replies wait (visibly) instead of going out. */
  onApplicationBootstrap(): void {
    if (!this.transport.configured) {
      new Logger('Outbound').warn(
        'SMTP_URL is not set: replies and acknowledgements stay queued (shown as "waiting: SMTP not configured") until it is',
      );
    }
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}

/** The `send-message` handler and the SMTP transport; import in worker processes only. */
@Module({
  imports: [OutboundModule],
  providers: [
    {
      provide: MailTransport,
      useFactory: smtpTransportFromConfig,
      inject: [AppConfig],
    },
    { provide: TransportCloser, useFactory: (t: MailTransport) => new TransportCloser(t), inject: [MailTransport] },
    PasswordCipher,
    SendMessageHandler,
    AcknowledgementSender,
    RequeueOutbound,
    SweepUploadsHandler,
  ],
  // The transport too: agent notifications send through the same SMTP connection pool. The
  // acknowledgement sender for the intake worker, which sends a committed batch's at once.
  exports: [OutboundModule, MailTransport, AcknowledgementSender],
})
export class OutboundWorkerModule {}
