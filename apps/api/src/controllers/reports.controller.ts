import { AuditService, userActor } from '@app/audit';
import { UserRole } from '@app/database';
import { ReportsService } from '@app/reports';
import type { StaffActor } from '@app/tickets';
import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiForbiddenResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import { Roles } from '../guards/auth.decorators';
import { Actor } from './current-actor';

const RANGE = [
  ApiQuery({ name: 'from', example: '2026-11-01' }),
  ApiQuery({ name: 'to', example: '2026-11-30' }),
  ApiQuery({ name: 'by', required: false, enum: ['day', 'week', 'month'] }),
];
const range = (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
  for (const decorate of RANGE) decorate(target, key, descriptor);
};

/**
 * Reports (issue 11): supervisors and admins; computed from the personal-data-free statistics.
 * Each report has a JSON route for its chart and table and a `.csv` route (streamed, audited).
 */
@ApiTags('reports')
@ApiCookieAuth()
@ApiForbiddenResponse({ description: 'Agents may not read reports' })
@Controller('api/reports')
@Roles(UserRole.Supervisor, UserRole.Admin)
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly audit: AuditService,
  ) {}

  @Get('volume')
  @ApiOperation({
    summary:
      'Created, solved, reopened (and reopen rate), first-response and resolution times (count, mean, median, p90), SLA breaches per period, optionally split; with the previous period of the same length',
  })
  @range
  @ApiQuery({ name: 'split', required: false, enum: ['none', 'channel', 'mailbox', 'group'] })
  volume(@Query() query: Record<string, unknown>) {
    return this.reports.volume(query);
  }

  @Get('backlog')
  @ApiOperation({ summary: 'Open tickets at the end of each period, and at the end of the previous period' })
  @range
  backlog(@Query() query: Record<string, unknown>) {
    return this.reports.backlog(query);
  }

  @Get('agents')
  @ApiOperation({
    summary: 'Per agent and period: replies, solved, first-response and resolution times; totals and previous period',
  })
  @range
  agents(@Query() query: Record<string, unknown>) {
    return this.reports.agents(query);
  }

  @Get('organisations')
  @ApiOperation({ summary: 'Tickets created and solved per customer organisation (counts only)' })
  @range
  organisations(@Query() query: Record<string, unknown>) {
    return this.reports.organisations(query);
  }

  @Get('volume.csv')
  @ApiOperation({ summary: 'The volume report as CSV (streamed; the export is audited)' })
  volumeCsv(@Query() query: Record<string, unknown>, @Actor() actor: StaffActor, @Res() res: Response) {
    return this.csv('volume', query, actor, res);
  }

  @Get('backlog.csv')
  @ApiOperation({ summary: 'The backlog report as CSV (streamed; the export is audited)' })
  backlogCsv(@Query() query: Record<string, unknown>, @Actor() actor: StaffActor, @Res() res: Response) {
    return this.csv('backlog', query, actor, res);
  }

  @Get('agents.csv')
  @ApiOperation({ summary: 'The agents report as CSV (streamed; the export is audited)' })
  agentsCsv(@Query() query: Record<string, unknown>, @Actor() actor: StaffActor, @Res() res: Response) {
    return this.csv('agents', query, actor, res);
  }

  @Get('organisations.csv')
  @ApiOperation({ summary: 'The organisations report as CSV (streamed; the export is audited)' })
  organisationsCsv(@Query() query: Record<string, unknown>, @Actor() actor: StaffActor, @Res() res: Response) {
    return this.csv('organisations', query, actor, res);
  }

  private async csv(name: string, query: Record<string, unknown>, actor: StaffActor, res: Response): Promise<void> {
    const table = await this.reports.table(name, query);
    await this.audit.record({
      actor: userActor(actor.id),
      action: 'export.report',
      target: { type: 'report', id: name },
      details: { ...this.reports.parse(query), rows: table.rows.length },
    });
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${table.name}.csv"`);
    const csv = stringify({ header: true, columns: table.columns });
    csv.pipe(res);
    for (const row of table.rows) csv.write(row);
    csv.end();
  }
}
