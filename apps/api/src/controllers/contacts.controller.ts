import { CustomerCommandsService, CustomerQueryService, OrganisationService } from '@app/customers';
import { UserRole } from '@app/database';
import { TicketQueryService, type StaffActor } from '@app/tickets';
import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiNotFoundResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '../guards/auth.decorators';
import { Actor } from './current-actor';

/**
 * Customers (issue 11). Reading is open to all staff, within ticket visibility: an agent sees a
 * customer only through a ticket they may open, and every list and count covers those tickets
 * only. Changing a customer is for supervisors and admins.
 */
@ApiTags('customers')
@ApiCookieAuth()
@Controller('api/contacts')
export class ContactsController {
  constructor(
    private readonly customers: CustomerQueryService,
    private readonly commands: CustomerCommandsService,
    private readonly organisations: OrganisationService,
    private readonly tickets: TicketQueryService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Customers matching q (any part of an address, name, company or organisation)' })
  @ApiQuery({ name: 'q', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1–50, default 10' })
  search(@Query('q') q: unknown, @Query('limit') limit: unknown, @Actor() actor: StaffActor) {
    return this.customers.search(typeof q === 'string' ? q : undefined, actor, Number(limit ?? 10) || 10);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A customer: identity, every address, consents, dates and ticket counts' })
  @ApiNotFoundResponse({ description: 'No such customer, or none of their tickets is visible to the caller' })
  get(@Param('id') id: string, @Actor() actor: StaffActor) {
    return this.customers.get(id, actor);
  }

  @Get(':id/tickets')
  @ApiOperation({ summary: "The customer's tickets across every channel, newest first, keyset-paginated" })
  @ApiQuery({ name: 'status', required: false, description: 'Comma-separated: new,open,pending,solved,closed' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async ticketList(@Param('id') id: string, @Query() query: Record<string, unknown>, @Actor() actor: StaffActor) {
    await this.customers.get(id, actor);
    return this.tickets.list(
      {
        status: query.status as string,
        cursor: query.cursor as string,
        limit: query.limit,
        contact: id,
        sort: 'created',
      },
      actor,
    );
  }

  @Patch(':id')
  @Roles(UserRole.Supervisor, UserRole.Admin)
  @ApiOperation({ summary: 'Edit name, company, website or phone: recorded as a completed data-subject correction' })
  @ApiBody({ schema: { example: { company: 'Example GmbH', phone: '+49 30 1234567' } } })
  edit(@Param('id') id: string, @Body() body: unknown, @Actor() actor: StaffActor) {
    return this.commands.edit(id, body, actor);
  }

  @Post(':id/addresses')
  @HttpCode(204)
  @Roles(UserRole.Supervisor, UserRole.Admin)
  @ApiOperation({ summary: 'Add and/or remove an email address of the customer (audited)' })
  @ApiBody({ schema: { example: { add: 'erika@work.example', remove: 'old@example.org' } } })
  async addresses(@Param('id') id: string, @Body() body: unknown, @Actor() actor: StaffActor): Promise<void> {
    await this.commands.addresses(id, body, actor);
  }

  @Post(':id/merge')
  @HttpCode(200)
  @Roles(UserRole.Supervisor, UserRole.Admin)
  @ApiOperation({ summary: 'Merge this customer into another: tickets, addresses and consents move (audited)' })
  @ApiBody({ schema: { example: { targetId: '0b7e6c55-2d8e-4d5f-9b1a-3c2d1e0f9a8b' } } })
  merge(@Param('id') id: string, @Body() body: { targetId?: unknown }, @Actor() actor: StaffActor) {
    return this.commands.merge(id, body?.targetId, actor);
  }

  @Put(':id/organisation')
  @HttpCode(204)
  @Roles(UserRole.Supervisor, UserRole.Admin)
  @ApiOperation({ summary: 'Put the customer into an organisation, or take them out with null' })
  @ApiBody({ schema: { example: { organisationId: null } } })
  async organisation(
    @Param('id') id: string,
    @Body() body: { organisationId?: unknown },
    @Actor() actor: StaffActor,
  ): Promise<void> {
    await this.organisations.assign(id, body?.organisationId ?? null, actor);
  }
}
