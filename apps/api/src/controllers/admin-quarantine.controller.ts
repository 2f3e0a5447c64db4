import { QuarantineService } from '@app/intake';
import { userActor } from '@app/audit';
import { UserRole } from '@app/database';
import type { StaffActor } from '@app/tickets';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '../guards/auth.decorators';
import { Actor } from './current-actor';

/** How long a browser request waits for the worker before answering `queued` (it still runs). */
const WAIT_MS = 10_000;

/** Quarantined messages (codes and sizes, never content) with replay and delete, for admins. */
@ApiTags('admin: mailboxes')
@Roles(UserRole.Admin)
@Controller('api/admin/quarantine')
export class AdminQuarantineController {
  constructor(private readonly quarantine: QuarantineService) {}

  @Get()
  @ApiOperation({ summary: 'Quarantined messages, newest first (optionally of one mailbox)' })
  @ApiQuery({ name: 'mailboxId', required: false, description: 'A mailbox id, or `none`: web form and portal' })
  @ApiQuery({ name: 'limit', required: false })
  async list(@Query('mailboxId') mailboxId?: string, @Query('limit') limit?: string) {
    return {
      items: await this.quarantine.list({ mailboxId, limit: limit === undefined ? undefined : Number(limit) }),
    };
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Process the message again (server copy moved back, or the stored bytes)' })
  async replay(@Param('id') id: string, @Actor() actor: StaffActor) {
    return { outcome: await this.quarantine.replay(id, { waitMs: WAIT_MS, actor: userActor(actor.id) }) };
  }

  @Post(':id/delete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete for good: the server copy is expunged, the row and its bytes removed' })
  async remove(@Param('id') id: string, @Actor() actor: StaffActor) {
    return { outcome: await this.quarantine.delete(id, { waitMs: WAIT_MS, actor: userActor(actor.id) }) };
  }
}
