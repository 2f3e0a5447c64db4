import { AuthModule } from '@app/auth';
import { CustomersModule } from '@app/customers';
import { ReportsModule } from '@app/reports';
import { AppConfig } from '@app/config';
import { IntakeModule } from '@app/intake';
import { NotificationsModule } from '@app/notifications';
import { PortalModule } from '@app/portal';
import { PrivacyModule } from '@app/privacy';
import { OutboundModule, TicketsLiveModule, TicketsModule } from '@app/tickets';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { MulterModule } from '@nestjs/platform-express';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuthController } from './controllers/auth.controller';
import { HealthController } from './controllers/health.controller';
import { MailboxesController } from './controllers/mailboxes.controller';
import { MetricsController } from './controllers/metrics.controller';
import { RequestsController } from './controllers/requests.controller';
import { SupportPageController } from './controllers/support-page.controller';
import { TicketsController } from './controllers/tickets.controller';
// Agent inbox (issue 5).
import { AttachmentsController } from './controllers/attachments.controller';
import { CannedRepliesController } from './controllers/canned-replies.controller';
import { EventsController } from './controllers/events.controller';
import { SlaController } from './controllers/sla.controller';
import { UsersController } from './controllers/users.controller';
import { ViewsController } from './controllers/views.controller';
// Privacy (issue 6).
import { ConsentController } from './controllers/consent.controller';
import { PrivacyController } from './controllers/privacy.controller';
// Customers (issue 11).
import { ContactsController } from './controllers/contacts.controller';
import { OrganisationsController } from './controllers/organisations.controller';
import { ActivityController } from './controllers/activity.controller';
import { ReportsController } from './controllers/reports.controller';
// Admin and audit (issue 12).
import { AdminAuditController } from './controllers/admin-audit.controller';
import { AdminOutboundController } from './controllers/admin-outbound.controller';
import { AdminGroupsController } from './controllers/admin-groups.controller';
import { AdminSettingsController } from './controllers/admin-settings.controller';
import { AdminQuarantineController } from './controllers/admin-quarantine.controller';
import { AdminUsersController } from './controllers/admin-users.controller';
import { SetupController } from './controllers/setup.controller';
// Customer portal (issue 13).
import { PortalController } from './controllers/portal.controller';
import { DomainExceptionFilter } from './filters/domain-exception.filter';
import { SessionGuard } from './guards/session.guard';
import { RejectNulPipe } from './pipes/reject-nul.pipe';
// Answering (issue 14).
import { MailboxOAuthController } from './controllers/mailbox-oauth.controller';
import { UploadsController } from './controllers/uploads.controller';
import { AccountPreferencesController } from './controllers/account-preferences.controller';

/** HTTP API features. Needs PlatformModule beside it. */
@Module({
  imports: [
    AuthModule,
    IntakeModule,
    TicketsModule,
    TicketsLiveModule,
    OutboundModule,
    PrivacyModule,
    CustomersModule,
    ReportsModule,
    // Customer portal (issue 13).
    PortalModule,
    // Agent notifications and signature (issue 14).
    NotificationsModule,
    // Per-IP limits. The default storage is per process; with several api replicas each counts on
    // its own, which multiplies the limit by the replica count.
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          { name: 'form', ttl: 3600_000, limit: config.values.FORM_RATE_LIMIT_PER_HOUR },
          { name: 'login', ttl: 15 * 60_000, limit: config.values.LOGIN_RATE_LIMIT_PER_15M },
        ],
      }),
    }),
    // Multer stops oversized uploads while streaming; the intake use case re-checks with field messages.
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        limits: {
          fileSize: config.values.FORM_MAX_ATTACHMENT_BYTES,
          files: config.values.FORM_MAX_ATTACHMENTS,
          fields: 20,
          fieldSize: 200_000,
        },
      }),
    }),
  ],
  controllers: [
    HealthController,
    RequestsController,
    AuthController,
    TicketsController,
    SupportPageController,
    // Agent inbox (issue 5).
    AttachmentsController,
    CannedRepliesController,
    EventsController,
    SlaController,
    UsersController,
    ViewsController,
    // IMAP intake (issue 3).
    MailboxesController,
    MetricsController,
    // Privacy (issue 6).
    PrivacyController,
    ConsentController,
    // Customers (issue 11).
    ContactsController,
    OrganisationsController,
    ReportsController,
    ActivityController,
    // Admin and audit (issue 12).
    SetupController,
    AdminUsersController,
    AdminQuarantineController,
    AdminGroupsController,
    AdminAuditController,
    AdminSettingsController,
    AdminOutboundController,
    // Customer portal (issue 13).
    PortalController,
    // Answering (issue 14).
    UploadsController,
    MailboxOAuthController,
    AccountPreferencesController,
  ],
  providers: [
    { provide: APP_GUARD, useClass: SessionGuard },
    { provide: APP_FILTER, useClass: DomainExceptionFilter },
    { provide: APP_PIPE, useClass: RejectNulPipe },
  ],
})
export class ApiModule {}
