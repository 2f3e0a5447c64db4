import { AuditService } from '@app/audit';
import { OrganisationService } from '@app/customers';
import { UserRole } from '@app/database';
import { TicketQueryService, type StaffActor } from '@app/tickets';
import { Body, Controller, Get, Param, Patch, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiBody, ApiCookieAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '../guards/auth.decorators';
import { Actor } from './current-actor';
import { streamTicketCsv } from './ticket-csv';

/** Organisations (issue 11): reading within ticket visibility; creating and changing for admins. */
@ApiTags('customers')
@ApiCookieAuth()
@Controller('api/organisations')
export class OrganisationsController {
  constructor(
    private readonly organisations: OrganisationService,
    private readonly tickets: TicketQueryService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Organisations (optionally matching q) with customer and ticket counts' })
  @ApiQuery({ name: 'q', required: false })
  list(@Query('q') q: unknown, @Actor() actor: StaffActor) {
    return this.organisations.list(typeof q === 'string' ? q : undefined, actor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'An organisation with its customers' })
  get(@Param('id') id: string, @Actor() actor: StaffActor) {
    return this.organisations.get(id, actor);
  }

  @Get(':id/tickets')
  @ApiOperation({ summary: "All its customers' tickets, newest first, keyset-paginated" })
  @ApiQuery({ name: 'status', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  async ticketList(@Param('id') id: string, @Query() query: Record<string, unknown>, @Actor() actor: StaffActor) {
    await this.organisations.get(id, actor);
    return this.tickets.list(
      {
        status: query.status as string,
        cursor: query.cursor as string,
        limit: query.limit,
        organisation: id,
        sort: 'created',
      },
      actor,
    );
  }

  @Get(':id/tickets.csv')
  @ApiOperation({ summary: "All its customers' requests the caller may open, as CSV (streamed; audited)" })
  @ApiQuery({ name: 'status', required: false })
  async ticketCsv(
    @Param('id') id: string,
    @Query('status') status: unknown,
    @Actor() actor: StaffActor,
    @Res() res: Response,
  ): Promise<void> {
    await this.organisations.get(id, actor);
    await streamTicketCsv({
      res,
      filename: 'organisation-requests.csv',
      filter: { organisation: id, sort: 'created', status: typeof status === 'string' ? status : undefined },
      actor,
      tickets: this.tickets,
      audit: this.audit,
      action: 'export.organisation_requests',
      target: { type: 'organisation', id },
    });
  }

  @Post()
  @Roles(UserRole.Admin)
  @ApiOperation({ summary: 'Create an organisation, optionally with email domains' })
  @ApiBody({ schema: { example: { name: 'Example GmbH', domains: ['example.org'] } } })
  create(@Body() body: unknown, @Actor() actor: StaffActor) {
    return this.organisations.create(body, actor);
  }

  @Patch(':id')
  @Roles(UserRole.Admin)
  @ApiOperation({ summary: 'Rename, or set the email domains whose senders belong here' })
  @ApiBody({ schema: { example: { domains: ['example.org', 'example.com'] } } })
  update(@Param('id') id: string, @Body() body: unknown, @Actor() actor: StaffActor) {
    return this.organisations.update(id, body, actor);
  }
}
