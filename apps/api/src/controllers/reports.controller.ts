import { AuditService, userActor } from '@app/audit';
import { UserRole } from '@app/database';
import { ReportsService, type ReportRow } from '@app/reports';
import type { StaffActor } from '@app/tickets';
import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiForbiddenResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import { Roles } from '../guards/auth.decorators';
import { Actor } from './current-actor';

const CSV_COLUMNS = [
  'period',
  'key',
  'created',
  'solved',
  'reopened',
  'first_response_count',
  'first_response_mean_s',
  'first_response_median_s',
  'first_response_p90_s',
  'resolution_count',
  'resolution_mean_s',
  'resolution_median_s',
  'resolution_p90_s',
];

function csvRecord(r: ReportRow): unknown[] {
  return [
    r.period,
    r.key,
    r.created,
    r.solved,
    r.reopened,
    r.firstResponse.count,
    r.firstResponse.meanSeconds,
    r.firstResponse.medianSeconds,
    r.firstResponse.p90Seconds,
    r.resolution.count,
    r.resolution.meanSeconds,
    r.resolution.medianSeconds,
    r.resolution.p90Seconds,
  ];
}

/** Reports (issue 11): supervisors and admins; computed from the personal-data-free statistics. */
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
      'Created, solved, reopened, first-response and resolution times (count, mean, median, p90) per period, optionally split; with the previous period of the same length',
  })
  @ApiQuery({ name: 'from', example: '2026-11-01' })
  @ApiQuery({ name: 'to', example: '2026-11-30' })
  @ApiQuery({ name: 'by', required: false, enum: ['day', 'week', 'month'] })
  @ApiQuery({ name: 'split', required: false, enum: ['none', 'channel', 'mailbox', 'group'] })
  volume(@Query() query: Record<string, unknown>) {
    return this.reports.volume(query);
  }

  @Get('volume.csv')
  @ApiOperation({ summary: 'The same report as CSV (streamed; the export is audited)' })
  async volumeCsv(@Query() query: Record<string, unknown>, @Actor() actor: StaffActor, @Res() res: Response) {
    const report = await this.reports.volume(query);
    await this.audit.record({
      actor: userActor(actor.id),
      action: 'export.report',
      target: { type: 'report', id: 'volume' },
      details: { ...report.query, rows: report.rows.length },
    });
    const q = report.query;
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="volume-${q.from}-${q.to}-${q.by}-${q.split}.csv"`);
    const csv = stringify({ header: true, columns: CSV_COLUMNS });
    csv.pipe(res);
    for (const row of report.rows) csv.write(csvRecord(row));
    csv.end();
  }
}
