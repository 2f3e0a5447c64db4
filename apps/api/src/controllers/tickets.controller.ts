import { TicketStatus } from '@app/database';
import { TicketError, TicketQueryService } from '@app/tickets';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';

@ApiTags('tickets')
@Controller('api/tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketQueryService) {}

  @Get()
  @ApiOperation({ summary: 'List tickets, newest activity first (keyset pagination)' })
  @ApiQuery({ name: 'status', required: false, description: 'Comma-separated: new,open,pending,solved,closed' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  list(@Query('status') status?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.tickets.list({ status: parseStatuses(status), limit: limit ? Number(limit) || 25 : 25, cursor });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One ticket by id or reference, with messages and attachment metadata' })
  get(@Param('id') id: string) {
    return this.tickets.get(id);
  }
}

function parseStatuses(value: string | undefined): TicketStatus[] | undefined {
  if (!value) return undefined;
  const allowed = new Set<string>(Object.values(TicketStatus));
  const list = value.split(',').map((s) => s.trim());
  const bad = list.find((s) => !allowed.has(s));
  if (bad !== undefined)
    throw new TicketError('invalid_filter', 'status must be one of new, open, pending, solved, closed');
  return list as TicketStatus[];
}
