import { Module } from '@nestjs/common';
import { TicketQueryService } from './ticket-query.service';

@Module({ providers: [TicketQueryService], exports: [TicketQueryService] })
export class TicketsModule {}
