import { TicketQueryService, VIEW_COUNT_CAP, type StaffActor } from '@app/tickets';
import { Controller, Get } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor } from './current-actor';

@ApiTags('tickets')
@ApiCookieAuth()
@Controller('api/views')
export class ViewsController {
  constructor(private readonly tickets: TicketQueryService) {}

  @Get()
  @ApiOperation({ summary: `Ticket count per inbox view for the caller (exact up to ${VIEW_COUNT_CAP})` })
  async counts(@Actor() actor: StaffActor) {
    return { counts: await this.tickets.counts(actor), cap: VIEW_COUNT_CAP };
  }
}
