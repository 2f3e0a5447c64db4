import { AppConfig } from '@app/config';
import { IntakeModule } from '@app/intake';
import { MailTransport, smtpTransportFromConfig } from '@app/mail';
import { PrivacyModule } from '@app/privacy';
import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { PortalAccountsService } from './portal-accounts.service';
import { PortalDataService } from './portal-data.service';
import { PortalMailHandler } from './portal-mail.handler';
import { PortalTicketsService } from './portal-tickets.service';

const services = [PortalAccountsService, PortalTicketsService, PortalDataService];

/** Customer portal use cases for the api. Needs PlatformModule beside it. */
@Module({ imports: [IntakeModule, PrivacyModule], providers: services, exports: services })
export class PortalModule {}

class TransportCloser implements OnApplicationShutdown {
  constructor(private readonly transport: MailTransport) {}

  onApplicationShutdown(): void {
    this.transport.close();
  }
}

/** The `send-portal-mail` handler with an SMTP transport of its own; import in worker processes only. */
@Module({
  providers: [
    {
      provide: MailTransport,
      useFactory: smtpTransportFromConfig,
      inject: [AppConfig],
    },
    { provide: TransportCloser, useFactory: (t: MailTransport) => new TransportCloser(t), inject: [MailTransport] },
    PortalMailHandler,
  ],
})
export class PortalWorkerModule {}
