import { MailboxService, type MailboxCreateInput, type MailboxUpdateInput } from '@app/intake';
import { userActor } from '@app/audit';
import { UserRole } from '@app/database';
import type { StaffActor } from '@app/tickets';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../guards/auth.decorators';
import { Actor } from './current-actor';

const MAILBOX_EXAMPLE = {
  name: 'Support',
  address: 'support@example.org',
  host: 'imap.example.org',
  port: 993,
  tls: true,
  tlsRejectUnauthorized: true,
  username: 'support@example.org',
  password: 'app-password',
  folder: 'INBOX',
  afterAction: 'move',
  processedFolder: 'Processed',
  quarantineFolder: 'Quarantine',
  enabled: true,
};

/** Admin API for IMAP mailboxes. Responses never include the password, not even encrypted. */
@ApiTags('admin: mailboxes')
@Roles(UserRole.Admin)
@Controller('api/admin/mailboxes')
export class MailboxesController {
  constructor(private readonly mailboxes: MailboxService) {}

  @Get()
  @ApiOperation({ summary: 'List mailboxes with their poller status' })
  async list() {
    const [list, statuses] = await Promise.all([this.mailboxes.list(), this.mailboxes.statuses()]);
    const byId = new Map(statuses.map((s) => [s.id, s]));
    return list.map((m) => ({ ...m, status: byId.get(m.id) ?? null }));
  }

  @Post()
  @ApiOperation({ summary: 'Add a mailbox (password encrypted at rest)' })
  @ApiBody({ schema: { example: MAILBOX_EXAMPLE } })
  create(@Body() body: MailboxCreateInput, @Actor() actor: StaffActor) {
    return this.mailboxes.create(body, userActor(actor.id));
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.mailboxes.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change settings; omit password to keep it' })
  @ApiBody({ schema: { example: { folder: 'INBOX', afterAction: 'move', enabled: false } } })
  update(@Param('id') id: string, @Body() body: MailboxUpdateInput, @Actor() actor: StaffActor) {
    return this.mailboxes.update(id, body, userActor(actor.id));
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Connect now; folders and counts, or the exact error' })
  test(@Param('id') id: string) {
    return this.mailboxes.test(id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Actor() actor: StaffActor): Promise<void> {
    await this.mailboxes.remove(id, userActor(actor.id));
  }
}
