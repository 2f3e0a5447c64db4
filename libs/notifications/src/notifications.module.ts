import { OutboundWorkerModule } from '@app/tickets';
import { Module } from '@nestjs/common';
import { AgentPreferencesService } from './agent-preferences.service';
import { NotificationMailHandler } from './notification-mail.handler';
import { NotifyScanHandler } from './notify-scan.handler';
import { NotifyScanService } from './notify-scan.service';

/** The signed-in agent's preferences, for the api. Needs PlatformModule beside it. */
@Module({ providers: [AgentPreferencesService], exports: [AgentPreferencesService] })
export class NotificationsModule {}

/** The scan (scheduled) and the mail handler, with the outbound SMTP transport; worker processes only. */
@Module({
  imports: [OutboundWorkerModule],
  providers: [NotifyScanService, NotifyScanHandler, NotificationMailHandler],
  exports: [NotifyScanService],
})
export class NotificationsWorkerModule {}
