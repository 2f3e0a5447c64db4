import {
  AddNote,
  CreateAgentTicket,
  DraftsService,
  MessageActions,
  ReplyToTicket,
  TicketCommandsService,
  TicketEventsService,
  TicketQueryService,
  type StaffActor,
} from '@app/tickets';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Actor } from './current-actor';

const CSRF = { name: 'X-CSRF-Token', description: 'CSRF token from sign-in (required on every change)' };

/**
 * The agent's ticket API. Every route answers 404 for a ticket the caller may not see, exactly as
 * for one that does not exist, so ids reveal nothing.
 */
@ApiTags('tickets')
@ApiCookieAuth()
@ApiUnauthorizedResponse({ description: 'No valid session' })
@Controller('api/tickets')
export class TicketsController {
  constructor(
    private readonly tickets: TicketQueryService,
    private readonly commands: TicketCommandsService,
    private readonly events: TicketEventsService,
    private readonly reply: ReplyToTicket,
    private readonly messages: MessageActions,
    private readonly drafts: DraftsService,
    private readonly create: CreateAgentTicket,
    private readonly notes: AddNote,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Inbox list: a view plus filters and search, keyset-paginated' })
  @ApiQuery({ name: 'view', required: false, enum: ['mine', 'unassigned', 'open', 'pending', 'solved', 'all'] })
  @ApiQuery({ name: 'status', required: false, description: 'Comma-separated: new,open,pending,solved,closed' })
  @ApiQuery({ name: 'priority', required: false, description: 'Comma-separated: low,normal,high,urgent' })
  @ApiQuery({ name: 'channel', required: false, description: 'Comma-separated: email,form,portal,phone,outbound' })
  @ApiQuery({ name: 'assignee', required: false, description: 'User id, `me` or `none`' })
  @ApiQuery({ name: 'group', required: false, description: 'Group id or `none`' })
  @ApiQuery({ name: 'mailbox', required: false })
  @ApiQuery({ name: 'tag', required: false })
  @ApiQuery({ name: 'q', required: false, description: 'Full-text search over subject and messages, or T-12345' })
  @ApiQuery({ name: 'sort', required: false, enum: ['updated', 'created', 'due'] })
  @ApiQuery({ name: 'limit', required: false, description: '1–100, default 25' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  list(@Query() query: Record<string, unknown>, @Actor() actor: StaffActor) {
    return this.tickets.list(query, actor);
  }

  @Post()
  @HttpCode(201)
  @ApiHeader(CSRF)
  @ApiOperation({
    summary:
      'Open a ticket for a customer: a phone call (no email sent) or an outbound email (sent as the first message)',
  })
  @ApiBody({
    schema: {
      example: {
        kind: 'email',
        contact: { name: 'Ada Customer', email: 'ada@customer.example' },
        subject: 'Your replacement part',
        body: 'Hello Ada, the replacement part ships today.',
        html: '<p>Hello Ada, the replacement part <strong>ships today</strong>.</p>',
        cc: [],
        groupId: null,
        priority: 'normal',
        tags: ['shipping'],
        attachmentIds: [],
      },
    },
  })
  @ApiForbiddenResponse({ description: "The group is not one of the caller's groups (agents), or no CSRF token" })
  @ApiNotFoundResponse({ description: 'contactId is not a customer the caller may see' })
  createTicket(@Body() body: unknown, @Actor() actor: StaffActor) {
    return this.create.execute(actor, body);
  }

  @Post('bulk')
  @HttpCode(200)
  @ApiHeader(CSRF)
  @ApiOperation({ summary: 'Change many tickets at once (assign, status, tags); unknown or hidden ids are listed' })
  @ApiBody({
    schema: {
      example: { ticketIds: ['0b7e6c55-2d8e-4d5f-9b1a-3c2d1e0f9a8b'], change: { status: 'pending', addTags: ['vip'] } },
    },
  })
  bulk(@Body() body: { ticketIds?: unknown; change?: unknown }, @Actor() actor: StaffActor) {
    return this.commands.bulkUpdate(actor, body?.ticketIds, body?.change);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One ticket (id or T-reference) with messages, attachments, history and SLA' })
  @ApiNotFoundResponse({ description: 'No such ticket, or not visible to the caller' })
  get(@Param('id') id: string, @Actor() actor: StaffActor) {
    return this.tickets.get(id, actor);
  }

  @Patch(':id')
  @HttpCode(204)
  @ApiHeader(CSRF)
  @ApiOperation({ summary: 'Change status, priority, assignee, group or tags; each change is a history event' })
  @ApiBody({ schema: { example: { status: 'open', priority: 'high', assigneeId: null, addTags: ['billing'] } } })
  @ApiNotFoundResponse({ description: 'No such ticket, or not visible to the caller' })
  @ApiForbiddenResponse({ description: 'Missing CSRF token' })
  async update(@Param('id') id: string, @Body() body: unknown, @Actor() actor: StaffActor): Promise<void> {
    await this.commands.update(actor, id, body);
  }

  @Post(':id/replies')
  @HttpCode(202)
  @ApiHeader(CSRF)
  @ApiOperation({
    summary:
      'Reply to the customer by email: queued now, sent by the worker; the message shows queued → sent or failed',
  })
  @ApiBody({
    schema: {
      example: {
        body: 'Hello, the fix is live; please try again.',
        html: '<p>Hello, the fix is <strong>live</strong>; please try again.</p>',
        cc: ['colleague@customer.example'],
        bcc: [],
        attachmentIds: ['0b7e6c55-2d8e-4d5f-9b1a-3c2d1e0f9a8b'],
      },
    },
  })
  @ApiNotFoundResponse({ description: 'No such ticket, or not visible to the caller' })
  sendReply(@Param('id') id: string, @Body() body: unknown, @Actor() actor: StaffActor) {
    return this.reply.execute(actor, id, body);
  }

  @Post(':id/messages/:messageId/forward')
  @HttpCode(202)
  @ApiHeader(CSRF)
  @ApiOperation({ summary: 'Forward one message of the ticket, with its attachments, to outside addresses' })
  @ApiBody({ schema: { example: { to: ['billing@partner.example'], body: 'FYI, see below.' } } })
  @ApiNotFoundResponse({ description: 'No such ticket or message, or not visible to the caller' })
  forward(
    @Param('id') id: string,
    @Param('messageId') messageId: string,
    @Body() body: unknown,
    @Actor() actor: StaffActor,
  ) {
    return this.messages.forward(actor, id, messageId, body);
  }

  @Post(':id/messages/:messageId/retry')
  @HttpCode(202)
  @ApiHeader(CSRF)
  @ApiOperation({ summary: 'Send a failed (or waiting) outbound message again' })
  @ApiNotFoundResponse({ description: 'No such ticket or message, or not visible to the caller' })
  retry(@Param('id') id: string, @Param('messageId') messageId: string, @Actor() actor: StaffActor) {
    return this.messages.retry(actor, id, messageId);
  }

  @Get(':id/draft')
  @ApiOperation({ summary: "The caller's saved draft on this ticket (content null when none)" })
  getDraft(@Param('id') id: string, @Actor() actor: StaffActor) {
    return this.drafts.get(actor, id);
  }

  @Put(':id/draft')
  @HttpCode(204)
  @ApiHeader(CSRF)
  @ApiOperation({
    summary: "Save the caller's draft on this ticket (mode, body, html, to, cc, bcc, attachments, forwardOf)",
  })
  async saveDraft(@Param('id') id: string, @Body() body: unknown, @Actor() actor: StaffActor): Promise<void> {
    await this.drafts.save(actor, id, body);
  }

  @Delete(':id/draft')
  @HttpCode(204)
  @ApiHeader(CSRF)
  @ApiOperation({ summary: "Discard the caller's draft on this ticket" })
  async discardDraft(@Param('id') id: string, @Actor() actor: StaffActor): Promise<void> {
    await this.drafts.discard(actor, id);
  }

  @Post(':id/notes')
  @ApiHeader(CSRF)
  @ApiOperation({ summary: 'Add an internal note (never sent to the customer)' })
  @ApiBody({
    schema: {
      example: {
        body: 'Customer called; waiting for the invoice number.',
        attachmentIds: ['0b7e6c55-2d8e-4d5f-9b1a-3c2d1e0f9a8b'],
      },
    },
  })
  note(@Param('id') id: string, @Body() body: unknown, @Actor() actor: StaffActor) {
    return this.notes.execute(actor, id, body);
  }

  @Post(':id/merge')
  @HttpCode(200)
  @ApiHeader(CSRF)
  @ApiOperation({ summary: 'Merge this ticket into another (id or T-reference); later customer mail follows' })
  @ApiBody({ schema: { example: { targetId: 'T-10042' } } })
  merge(@Param('id') id: string, @Body() body: { targetId?: unknown }, @Actor() actor: StaffActor) {
    return this.commands.merge(actor, id, body?.targetId);
  }

  @Get(':id/presence')
  @ApiOperation({ summary: 'Other agents viewing or typing on this ticket' })
  async presence(@Param('id') id: string, @Actor() actor: StaffActor) {
    const ticketId = await this.tickets.visibleTicketId(id, actor);
    return { viewers: this.events.viewers(ticketId).filter((v) => v.userId !== actor.id) };
  }

  @Post(':id/presence')
  @HttpCode(204)
  @ApiHeader(CSRF)
  @ApiOperation({ summary: 'Presence heartbeat (every ~10 s while the ticket is open); `leaving` ends it' })
  @ApiBody({ schema: { example: { typing: false, leaving: false } } })
  async heartbeat(
    @Param('id') id: string,
    @Body() body: { typing?: unknown; leaving?: unknown },
    @Actor() actor: StaffActor,
  ): Promise<void> {
    const ticketId = await this.tickets.visibleTicketId(id, actor);
    await this.events.heartbeat(actor.id, ticketId, { typing: body?.typing === true, leaving: body?.leaving === true });
  }
}
