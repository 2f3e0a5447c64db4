import { MailboxService, type MailboxCreateInput, type MailboxUpdateInput } from '@app/intake';
import { UserRole } from '@app/database';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../guards/auth.decorators';

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
  create(@Body() body: MailboxCreateInput) {
    return this.mailboxes.create(body);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.mailboxes.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change settings; omit password to keep it' })
  @ApiBody({ schema: { example: { folder: 'INBOX', afterAction: 'move', enabled: false } } })
  update(@Param('id') id: string, @Body() body: MailboxUpdateInput) {
    return this.mailboxes.update(id, body);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Connect now; folders and counts, or the exact error' })
  test(@Param('id') id: string) {
    return this.mailboxes.test(id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.mailboxes.remove(id);
  }
}
