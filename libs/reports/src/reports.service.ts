import { NIL_UUID } from '@app/privacy';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { addInto, durations, type Durations } from './histogram';
import { ReportError } from './report.error';

export const REPORT_PERIODS = ['day', 'week', 'month'] as const;
export const REPORT_SPLITS = ['none', 'channel', 'mailbox', 'group'] as const;

const DAY = z.iso.date({ error: 'must be a day (YYYY-MM-DD)' });
const querySchema = z
  .object({
    from: DAY,
    to: DAY,
    by: z.enum(REPORT_PERIODS).default('day'),
    split: z.enum(REPORT_SPLITS).default('none'),
  })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' })
  .refine((q) => daysBetween(q.from, q.to) <= 3 * 366, { path: ['to'], message: 'range is at most three years' });

export type ReportQuery = z.output<typeof querySchema>;

export interface ReportFigures {
  created: number;
  solved: number;
  reopened: number;
  firstResponse: Durations;
  resolution: Durations;
}

export interface ReportRow extends ReportFigures {
  /** First day of the period (YYYY-MM-DD; weeks start on Monday). */
  period: string;
  /** 'all', a channel, or a mailbox/group id ('none' for none). */
  key: string;
}

export interface VolumeReport {
  query: ReportQuery;
  rows: ReportRow[];
  totals: ReportFigures;
  /** The period of the same length just before `from`, for comparison. */
  previous: { from: string; to: string; totals: ReportFigures };
}

interface StatsRow {
  period: string;
  key: string;
  created: number;
  solved: number;
  reopened: number;
  fr_count: number;
  fr_seconds: string;
  fr_buckets: number[];
  res_count: number;
  res_seconds: string;
  res_buckets: number[];
}

const KEY_SQL: Record<(typeof REPORT_SPLITS)[number], string> = {
  none: `'all'`,
  channel: 'channel',
  mailbox: `CASE WHEN mailbox_id = '${NIL_UUID}' THEN 'none' ELSE mailbox_id::text END`,
  group: `CASE WHEN group_id = '${NIL_UUID}' THEN 'none' ELSE group_id::text END`,
};

/**
 * Reports for supervisors, computed only from the personal-data-free statistics table
 * (ticket_stats_daily, kept current by the stats rollup every minute), so they survive retention
 * and erasure and never read a ticket, message or contact.
 */
@Injectable()
export class ReportsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  parse(input: unknown): ReportQuery {
    const parsed = querySchema.safeParse(input ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue?.path[0] ?? 'query');
      throw new ReportError('invalid_report', `${field} ${issue?.message ?? 'is invalid'}`, {
        [field]: issue?.message ?? 'is invalid',
      });
    }
    return parsed.data;
  }

  async volume(input: unknown): Promise<VolumeReport> {
    const query = this.parse(input);
    const length = daysBetween(query.from, query.to) + 1;
    const previousTo = addDays(query.from, -1);
    const previousFrom = addDays(query.from, -length);
    const rows = await this.rows(query.from, query.to, query.by, query.split);
    const previous = await this.rows(previousFrom, previousTo, query.by, 'none');
    return {
      query,
      rows: rows.map((r) => ({ period: r.period, key: r.key, ...figures([r]) })),
      totals: figures(rows),
      previous: { from: previousFrom, to: previousTo, totals: figures(previous) },
    };
  }

  /** The SQL of one report (public so a benchmark can time it bare). */
  sql(from: string, to: string, by: string, split: (typeof REPORT_SPLITS)[number]): { sql: string; values: unknown[] } {
    return {
      sql: `SELECT to_char(date_trunc($3, day::timestamp), 'YYYY-MM-DD') AS period, ${KEY_SQL[split]} AS key,
          created, solved, reopened, first_response_count AS fr_count, first_response_seconds::text AS fr_seconds,
          first_response_buckets AS fr_buckets, resolution_count AS res_count,
          resolution_seconds::text AS res_seconds, resolution_buckets AS res_buckets
        FROM ticket_stats_daily WHERE day BETWEEN $1 AND $2`,
      values: [from, to, by],
    };
  }

  private async rows(from: string, to: string, by: string, split: (typeof REPORT_SPLITS)[number]) {
    const { sql, values } = this.sql(from, to, by, split);
    const raw = await this.dataSource.query<StatsRow[]>(sql, values);
    // Many stored rows (one per day, channel, mailbox, group) fold into one per period and key.
    const grouped = new Map<string, StatsRow[]>();
    for (const r of raw) {
      const k = `${r.period}\u0000${r.key}`;
      const list = grouped.get(k);
      if (list) list.push(r);
      else grouped.set(k, [r]);
    }
    return [...grouped.values()]
      .map((list) => {
        const first = list[0];
        return Object.assign(merge(list), { period: first.period, key: first.key });
      })
      .sort((a, b) => a.period.localeCompare(b.period) || a.key.localeCompare(b.key));
  }
}

function merge(list: StatsRow[]): StatsRow {
  const out: StatsRow = {
    period: '',
    key: '',
    created: 0,
    solved: 0,
    reopened: 0,
    fr_count: 0,
    fr_seconds: '0',
    fr_buckets: [],
    res_count: 0,
    res_seconds: '0',
    res_buckets: [],
  };
  let fr = 0;
  let res = 0;
  for (const r of list) {
    out.created += r.created;
    out.solved += r.solved;
    out.reopened += r.reopened;
    out.fr_count += r.fr_count;
    out.res_count += r.res_count;
    fr += Number(r.fr_seconds);
    res += Number(r.res_seconds);
    addInto(out.fr_buckets, r.fr_buckets);
    addInto(out.res_buckets, r.res_buckets);
  }
  out.fr_seconds = String(fr);
  out.res_seconds = String(res);
  return out;
}

function figures(rows: StatsRow[]): ReportFigures {
  const m = merge(rows);
  return {
    created: m.created,
    solved: m.solved,
    reopened: m.reopened,
    firstResponse: durations(m.fr_count, Number(m.fr_seconds), m.fr_buckets),
    resolution: durations(m.res_count, Number(m.res_seconds), m.res_buckets),
  };
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
