import { AuditModule } from '@app/audit';
import { AppConfig } from '@app/config';
import { MailTransport, SmtpMailTransport } from '@app/mail';
import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { AuthService } from './auth.service';
import { DeskSettingsService } from './desk-settings.service';
import { GroupsService } from './groups.service';
import { SetupService } from './setup.service';
import { StaffLinkMailHandler } from './staff-link-mail.handler';
import { TwoFactorService } from './two-factor.service';
import { UsersService } from './users.service';

const services = [AuthService, UsersService, GroupsService, TwoFactorService, DeskSettingsService, SetupService];

/** Staff accounts, sessions, two-factor sign-in, groups, desk settings, first-run set-up. */
@Module({ imports: [AuditModule], providers: services, exports: [...services, AuditModule] })
export class AuthModule {}

class TransportCloser implements OnApplicationShutdown {
  constructor(private readonly transport: MailTransport) {}

  onApplicationShutdown(): void {
    this.transport.close();
  }
}

/** The `send-staff-link` handler with an SMTP transport of its own; import in worker processes only. */
@Module({
  providers: [
    {
      provide: MailTransport,
      useFactory: (config: AppConfig) =>
        new SmtpMailTransport(config.values.SMTP_URL, config.values.SMTP_MAX_CONNECTIONS),
      inject: [AppConfig],
    },
    { provide: TransportCloser, useFactory: (t: MailTransport) => new TransportCloser(t), inject: [MailTransport] },
    StaffLinkMailHandler,
  ],
})
export class AuthWorkerModule {}
