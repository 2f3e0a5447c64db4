import { UserRole } from '@app/database';
import { CannedRepliesService, TEMPLATE_PLACEHOLDERS, type StaffActor } from '@app/tickets';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '../guards/auth.decorators';
import { Actor } from './current-actor';

const CSRF = { name: 'X-CSRF-Token', description: 'CSRF token from sign-in' };
const EXAMPLE = { title: 'Thanks', body: 'Hi {{customer.name}},\n\nabout {{ticket.reference}}: …\n\n{{agent.name}}' };

@ApiTags('canned replies')
@ApiCookieAuth()
@Controller('api/canned-replies')
export class CannedRepliesController {
  constructor(private readonly replies: CannedRepliesService) {}

  @Get()
  @ApiOperation({ summary: `Canned replies; placeholders: ${TEMPLATE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ')}` })
  async list() {
    return { items: await this.replies.list(), placeholders: TEMPLATE_PLACEHOLDERS };
  }

  @Get(':id/render')
  @ApiOperation({ summary: 'The reply with placeholders filled for one ticket' })
  @ApiQuery({ name: 'ticketId', required: true })
  render(@Param('id') id: string, @Query('ticketId') ticketId: string, @Actor() actor: StaffActor) {
    return this.replies.render(actor, id, ticketId ?? '');
  }

  @Post()
  @Roles(UserRole.Supervisor, UserRole.Admin)
  @ApiHeader(CSRF)
  @ApiBody({ schema: { example: EXAMPLE } })
  @ApiOperation({ summary: 'Create (supervisor, admin)' })
  create(@Body() body: unknown, @Actor() actor: StaffActor) {
    return this.replies.create(actor, body);
  }

  @Put(':id')
  @Roles(UserRole.Supervisor, UserRole.Admin)
  @ApiHeader(CSRF)
  @ApiBody({ schema: { example: EXAMPLE } })
  @ApiOperation({ summary: 'Replace (supervisor, admin)' })
  update(@Param('id') id: string, @Body() body: unknown, @Actor() actor: StaffActor) {
    return this.replies.update(id, body, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles(UserRole.Supervisor, UserRole.Admin)
  @ApiHeader(CSRF)
  @ApiOperation({ summary: 'Delete (supervisor, admin)' })
  async remove(@Param('id') id: string, @Actor() actor: StaffActor): Promise<void> {
    await this.replies.remove(id, actor);
  }
}
