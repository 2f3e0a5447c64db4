import { AuthWorkerModule } from '@app/auth';
import { ImapSettleWorkerModule, IntakeWorkerModule } from '@app/intake';
import { NotificationsWorkerModule } from '@app/notifications';
import { PortalWorkerModule } from '@app/portal';
import { PrivacyWorkerModule } from '@app/privacy';
import { JobDispatchModule } from '@app/queue';
import { OutboundWorkerModule } from '@app/tickets';
import { Module } from '@nestjs/common';
import { ImapSettleProcessor } from './processors/imap-settle.processor';
import { IntakeProcessor } from './processors/intake.processor';
import { MaintenanceProcessor } from './processors/maintenance.processor';
import { OutboundProcessor } from './processors/outbound.processor';
import { StartupRequeueService } from './startup-requeue.service';

/** Queue consumers and their job handlers. Needs PlatformModule beside it. */
@Module({
  imports: [
    JobDispatchModule,
    IntakeWorkerModule,
    ImapSettleWorkerModule,
    PrivacyWorkerModule,
    OutboundWorkerModule,
    // Customer portal (issue 13): account mails.
    PortalWorkerModule,
    // Staff invitation and password-reset links (issue 12).
    AuthWorkerModule,
    // Agent notifications (issue 14).
    NotificationsWorkerModule,
  ],
  providers: [IntakeProcessor, StartupRequeueService, ImapSettleProcessor, MaintenanceProcessor, OutboundProcessor],
})
export class WorkerModule {}
