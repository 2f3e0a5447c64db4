import { AuditModule } from '@app/audit';
import { Module } from '@nestjs/common';
import { CannedRepliesService } from './canned-replies.service';
import { DirectoryService } from './directory.service';
import { TicketEventsService } from './live/ticket-events.service';
import { SlaPoliciesService } from './sla-policies.service';
import { TicketCommandsService } from './ticket-commands.service';
import { TicketQueryService } from './ticket-query.service';

const services = [
  TicketQueryService,
  TicketCommandsService,
  CannedRepliesService,
  SlaPoliciesService,
  DirectoryService,
];

/** Ticket reading and agent commands. TicketEventsService (one LISTEN connection) is in TicketsLiveModule. */
@Module({ imports: [AuditModule], providers: services, exports: services })
export class TicketsModule {}

/** Live updates for processes that serve browsers (the api); others need no LISTEN connection. */
@Module({ providers: [TicketEventsService], exports: [TicketEventsService] })
export class TicketsLiveModule {}
