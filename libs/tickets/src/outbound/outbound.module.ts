import { AppConfig } from '@app/config';
import { MailTransport, SmtpMailTransport } from '@app/mail';
import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { AuditModule } from '@app/audit';
import { OutboundStatusService } from './outbound-status.service';
import { ReplyToTicket } from './reply-to-ticket.usecase';
import { RequeueOutbound } from './requeue-outbound.service';
import { SendMessageHandler } from './send-message.handler';

/** Outbound use cases for processes that accept agent actions (api, cli). */
@Module({
  imports: [AuditModule],
  providers: [ReplyToTicket, OutboundStatusService],
  exports: [ReplyToTicket, OutboundStatusService],
})
export class OutboundModule {}

class TransportCloser implements OnApplicationShutdown {
  constructor(private readonly transport: MailTransport) {}

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
      useFactory: (config: AppConfig) => new SmtpMailTransport(config.values.SMTP_URL),
      inject: [AppConfig],
    },
    { provide: TransportCloser, useFactory: (t: MailTransport) => new TransportCloser(t), inject: [MailTransport] },
    SendMessageHandler,
    RequeueOutbound,
  ],
  exports: [OutboundModule],
})
export class OutboundWorkerModule {}
