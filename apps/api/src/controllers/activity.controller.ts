import { AuditService } from '@app/audit';
import { UserRole } from '@app/database';
import { ACTIVITY_KINDS, ActivityService } from '@app/reports';
import type { StaffActor } from '@app/tickets';
import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiForbiddenResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../guards/auth.decorators';
import { Actor } from './current-actor';
import { streamPagedCsv } from './paged-csv';

const COLUMNS = ['at', 'agent_id', 'ticket', 'kind', 'type', 'field', 'old_value', 'new_value'];

/** The activity view (issue 11): who did what, when. Supervisors and admins only. */
@ApiTags('reports')
@ApiCookieAuth()
@ApiForbiddenResponse({ description: 'Agents may not read the activity view' })
@Controller('api/activity')
@Roles(UserRole.Supervisor, UserRole.Admin)
export class ActivityController {
  constructor(
    private readonly activity: ActivityService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every change by staff in a time range, newest first, keyset-paginated' })
  @ApiQuery({ name: 'from', example: '2026-11-01' })
  @ApiQuery({ name: 'to', example: '2026-11-30' })
  @ApiQuery({ name: 'agent', required: false, description: 'A staff user id' })
  @ApiQuery({ name: 'group', required: false, description: "The ticket's group id" })
  @ApiQuery({ name: 'kind', required: false, enum: ACTIVITY_KINDS })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1–200, default 50' })
  list(@Query() query: Record<string, unknown>, @Actor() actor: StaffActor) {
    return this.activity.page(query, actor);
  }

  @Get('export.csv')
  @ApiOperation({ summary: 'The same filtered activity as CSV (streamed page by page; the export is audited)' })
  async csv(@Query() query: Record<string, unknown>, @Actor() actor: StaffActor, @Res() res: Response): Promise<void> {
    // Validated before the first byte, so a bad filter is a 400, not a broken download.
    const filter = this.activity.parse({ ...query, cursor: undefined, limit: 200 });
    await streamPagedCsv({
      res,
      filename: `activity-${filter.from}-${filter.to}.csv`,
      columns: COLUMNS,
      page: async (cursor) => {
        const page = await this.activity.page({ ...filter, cursor }, actor);
        return {
          rows: page.items.map((a) => [a.at, a.agentId, a.reference, a.kind, a.type, a.field, a.oldValue, a.newValue]),
          nextCursor: page.nextCursor,
        };
      },
      actor,
      audit: this.audit,
      action: 'export.activity',
      target: { type: 'activity', id: null },
      details: { from: filter.from, to: filter.to, agent: filter.agent, group: filter.group, kind: filter.kind },
    });
  }
}
