import { AuditService, userActor } from '@app/audit';
import { UserRole } from '@app/database';
import { ACTIVITY_KINDS, ActivityService } from '@app/reports';
import type { StaffActor } from '@app/tickets';
import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiForbiddenResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import { Roles } from '../guards/auth.decorators';
import { Actor } from './current-actor';

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
    const filter = this.activity.parse({ ...query, cursor: undefined, limit: 200 });
    // Validated before the first byte, so a bad filter is a 400, not a broken download.
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="activity-${filter.from}-${filter.to}.csv"`);
    const csv = stringify({ header: true, columns: COLUMNS });
    csv.pipe(res);
    let cursor: string | undefined;
    let rows = 0;
    do {
      const page = await this.activity.page({ ...filter, cursor }, actor);
      for (const a of page.items)
        csv.write([a.at, a.agentId, a.reference, a.kind, a.type, a.field, a.oldValue, a.newValue]);
      rows += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    // Recorded before the response ends, so a finished download always has its audit entry.
    await this.audit.record({
      actor: userActor(actor.id),
      action: 'export.activity',
      target: { type: 'activity', id: null },
      details: { from: filter.from, to: filter.to, agent: filter.agent, group: filter.group, kind: filter.kind, rows },
    });
    csv.end();
  }
}
