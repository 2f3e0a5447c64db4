import { OrganisationService } from '@app/customers';
import { UserRole } from '@app/database';
import { TicketQueryService, type StaffActor } from '@app/tickets';
import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '../guards/auth.decorators';
import { Actor } from './current-actor';

/** Organisations (issue 11): reading within ticket visibility; creating and changing for admins. */
@ApiTags('customers')
@ApiCookieAuth()
@Controller('api/organisations')
export class OrganisationsController {
  constructor(
    private readonly organisations: OrganisationService,
    private readonly tickets: TicketQueryService,
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
