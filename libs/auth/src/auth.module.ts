import { AuditModule } from '@app/audit';
import { AppConfig } from '@app/config';
import { MailTransport, smtpTransportFromConfig } from '@app/mail';
import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuthService } from './auth.service';
import { DeskSettingsService } from './desk-settings.service';
import { GroupsService } from './groups.service';
import { SetupService } from './setup.service';
import { StaffLinkMailHandler } from './staff-link-mail.handler';
import { TwoFactorService } from './two-factor.service';
import { UsersService } from './users.service';
import { SessionCache } from './session-cache';

const services = [AuthService, UsersService, GroupsService, TwoFactorService, DeskSettingsService, SetupService];

/** Staff accounts, sessions, two-factor sign-in, groups, desk settings, first-run set-up. */
@Module({
  imports: [AuditModule],
  providers: [
    // One per process: AuthService reads it, the services that change what a session says empty it.
    {
      provide: SessionCache,
      useFactory: (config: AppConfig, dataSource: DataSource) =>
        new SessionCache(config.values.SESSION_CACHE_SECONDS * 1000, (dataSource.options as { url?: string }).url),
      inject: [AppConfig, getDataSourceToken()],
    },
    ...services,
  ],
  exports: [...services, AuditModule],
})
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
      useFactory: smtpTransportFromConfig,
      inject: [AppConfig],
    },
    { provide: TransportCloser, useFactory: (t: MailTransport) => new TransportCloser(t), inject: [MailTransport] },
    StaffLinkMailHandler,
  ],
})
export class AuthWorkerModule {}
