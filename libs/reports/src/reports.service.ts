import { NIL_UUID, STATS_BUCKET_COUNT } from '@app/privacy';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { addInto, durations, type Durations } from './histogram';
import { addDays, daysBetween, periodEnd, periodsBetween, type Period } from './periods';
import { parseReportQuery, ReportError } from './report.error';

export const REPORT_PERIODS = ['day', 'week', 'month'] as const;
export const REPORT_SPLITS = ['none', 'channel', 'mailbox', 'group'] as const;
export type ReportSplit = (typeof REPORT_SPLITS)[number];

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

export interface SlaFigures {
  /** First responses (resolutions) of tickets with an SLA due time, and how many came after it. */
  firstResponseDue: number;
  firstResponseBreached: number;
  resolutionDue: number;
  resolutionBreached: number;
  /** Breached / due over both, 0–1; null without any due. */
  breachRate: number | null;
}

export interface ReportFigures {
  created: number;
  solved: number;
  reopened: number;
  /** Reopened / solved, 0–1; null when nothing was solved. */
  reopenRate: number | null;
  firstResponse: Durations;
  resolution: Durations;
  sla: SlaFigures;
}

export interface ReportRow extends ReportFigures {
  /** First day of the period (YYYY-MM-DD; weeks start on Monday). */
  period: string;
  /** 'all', a channel, or a mailbox/group id ('none' for none). */
  key: string;
}

export interface VolumeReport {
  query: ReportQuery;
  /** One row per period and key, periods without data as zeros. */
  rows: ReportRow[];
  totals: ReportFigures;
  /** The period of the same length just before `from`, for comparison. */
  previous: { from: string; to: string; totals: ReportFigures };
}

export interface BacklogReport {
  query: ReportQuery;
  /** Open tickets (new, open, pending) at the end of each period (of `to` for the last). */
  rows: Array<{ period: string; open: number }>;
  /** Open at the end of the previous period of the same length. */
  previous: { from: string; to: string; open: number };
}

export interface AgentFigures {
  replies: number;
  solved: number;
  firstResponse: Durations;
  resolution: Durations;
}

export interface AgentReport {
  query: ReportQuery;
  /** Staff ids with a label ('none': no agent, e.g. solved by the system without an assignee). */
  agents: Array<{ id: string; name: string }>;
  /** One row per period and agent, periods without data as zeros. */
  rows: Array<AgentFigures & { period: string; agentId: string }>;
  totals: Array<AgentFigures & { agentId: string }>;
  previous: { from: string; to: string; totals: Array<AgentFigures & { agentId: string }> };
}

export interface OrganisationReport {
  query: ReportQuery;
  /** Tickets created and solved per customer organisation (counts only), most created first. */
  rows: Array<{ organisationId: string; name: string; created: number; solved: number; previousCreated: number }>;
  previous: { from: string; to: string };
}

/** A report as a table, for CSV. */
export interface ReportTable {
  name: string;
  columns: string[];
  rows: unknown[][];
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
  fr_due: number;
  fr_breached: number;
  res_due: number;
  res_breached: number;
}

interface AgentStatsRow {
  period: string;
  key: string;
  replies: number;
  solved: number;
  fr_count: number;
  fr_seconds: string;
  fr_buckets: number[];
  res_count: number;
  res_seconds: string;
  res_buckets: number[];
}

const KEY_SQL: Record<ReportSplit, string> = {
  none: `'all'`,
  channel: 'channel',
  mailbox: `CASE WHEN mailbox_id = '${NIL_UUID}' THEN 'none' ELSE mailbox_id::text END`,
  group: `CASE WHEN group_id = '${NIL_UUID}' THEN 'none' ELSE group_id::text END`,
};

const PERIOD_SQL = `to_char(date_trunc($3, day::timestamp), 'YYYY-MM-DD')`;

/** Position-wise sum of a histogram column over the group (a stored one may be shorter: NULLs). */
const histogramSum = (column: string) =>
  `ARRAY[${Array.from({ length: STATS_BUCKET_COUNT }, (_, i) => `coalesce(sum(${column}[${i + 1}]), 0)::int`).join(', ')}]`;

const TIME_SQL = `sum(first_response_count)::int AS fr_count, sum(first_response_seconds)::text AS fr_seconds,
  ${histogramSum('first_response_buckets')} AS fr_buckets, sum(resolution_count)::int AS res_count,
  sum(resolution_seconds)::text AS res_seconds, ${histogramSum('resolution_buckets')} AS res_buckets`;

/**
 * The queries behind the reports, named, so the benchmark can time each one bare. Each folds the
 * stored rows (one per day and stored key) into one per period and report key in PostgreSQL.
 */
export const REPORT_SQL = {
  volume: (split: ReportSplit) =>
    `SELECT ${PERIOD_SQL} AS period, ${KEY_SQL[split]} AS key, sum(created)::int AS created,
       sum(solved)::int AS solved, sum(reopened)::int AS reopened, ${TIME_SQL},
       sum(first_response_due)::int AS fr_due, sum(first_response_breached)::int AS fr_breached,
       sum(resolution_due)::int AS res_due, sum(resolution_breached)::int AS res_breached
     FROM ticket_stats_daily WHERE day BETWEEN $1 AND $2 GROUP BY 1, 2`,
  /** Open before the range: every change ever counted before `from` (a few rows per day). */
  backlogBase: `SELECT COALESCE(sum(created - solved + reopened), 0)::bigint::text AS open
     FROM ticket_stats_daily WHERE day < $1`,
  backlogDays: `SELECT day::text AS day, sum(created - solved + reopened)::bigint::text AS change
     FROM ticket_stats_daily WHERE day BETWEEN $1 AND $2 GROUP BY day`,
  agents: `SELECT ${PERIOD_SQL} AS period, CASE WHEN agent_id = '${NIL_UUID}' THEN 'none' ELSE agent_id::text END AS key,
       sum(replies)::int AS replies, sum(solved)::int AS solved, ${TIME_SQL}
     FROM ticket_stats_agent_daily WHERE day BETWEEN $1 AND $2 GROUP BY 1, 2`,
  organisations: `SELECT CASE WHEN organisation_id = '${NIL_UUID}' THEN 'none' ELSE organisation_id::text END AS key,
       sum(created)::int AS created, sum(solved)::int AS solved
     FROM ticket_stats_org_daily WHERE day BETWEEN $1 AND $2 GROUP BY 1`,
};

/**
 * Reports for supervisors, computed only from the personal-data-free statistics tables
 * (ticket_stats_daily, ticket_stats_agent_daily, ticket_stats_org_daily; kept current by the
 * stats rollup every minute), so they survive retention and erasure and never read a ticket,
 * message or contact. Only the labels of staff and organisations are looked up by id.
 */
@Injectable()
export class ReportsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  parse(input: unknown): ReportQuery {
    return parseReportQuery(querySchema, input);
  }

  async volume(input: unknown): Promise<VolumeReport> {
    const query = this.parse(input);
    const prev = previousRange(query);
    const rows = await this.statsRows<StatsRow>(REPORT_SQL.volume(query.split), query.from, query.to, query.by);
    const previous = await this.statsRows<StatsRow>(REPORT_SQL.volume('none'), prev.from, prev.to, query.by);
    const filled = fill(rows, periodsBetween(query.from, query.to, query.by), query.split === 'none' ? ['all'] : []);
    return {
      query,
      rows: filled.map(([period, key, list]) => ({ period, key, ...figures(list) })),
      totals: figures(rows),
      previous: { ...prev, totals: figures(previous) },
    };
  }

  async backlog(input: unknown): Promise<BacklogReport> {
    const query = this.parse(input);
    const prev = previousRange(query);
    const openAtEndOf = async (from: string, to: string) => {
      const [base] = await this.dataSource.query<Array<{ open: string }>>(REPORT_SQL.backlogBase, [from]);
      const days = await this.dataSource.query<Array<{ day: string; change: string }>>(REPORT_SQL.backlogDays, [
        from,
        to,
      ]);
      return { base: Number(base?.open ?? 0), days: new Map(days.map((d) => [d.day, Number(d.change)])) };
    };
    const { base, days } = await openAtEndOf(query.from, query.to);
    let open = base;
    let day = query.from;
    const rows = periodsBetween(query.from, query.to, query.by).map((period) => {
      const end = minDay(periodEnd(period, query.by), query.to);
      for (; day <= end; day = addDays(day, 1)) open += days.get(day) ?? 0;
      return { period, open };
    });
    return { query, rows, previous: { ...prev, open: base } };
  }

  async agents(input: unknown): Promise<AgentReport> {
    const query = this.parse(input);
    const prev = previousRange(query);
    const rows = await this.statsRows<AgentStatsRow>(REPORT_SQL.agents, query.from, query.to, query.by);
    const previous = await this.statsRows<AgentStatsRow>(REPORT_SQL.agents, prev.from, prev.to, query.by);
    const filled = fill(rows, periodsBetween(query.from, query.to, query.by), []);
    const ids = [...new Set([...rows, ...previous].map((r) => r.key))].sort();
    const names = await this.labels('users', ids);
    return {
      query,
      agents: ids.map((id) => ({ id, name: id === 'none' ? 'no agent' : (names.get(id) ?? 'former staff') })),
      rows: filled.map(([period, agentId, list]) => ({ period, agentId, ...agentFigures(list) })),
      totals: byKey(rows).map(([agentId, list]) => ({ agentId, ...agentFigures(list) })),
      previous: { ...prev, totals: byKey(previous).map(([agentId, list]) => ({ agentId, ...agentFigures(list) })) },
    };
  }

  async organisations(input: unknown): Promise<OrganisationReport> {
    const query = this.parse(input);
    const prev = previousRange(query);
    type OrgRow = { key: string; created: number; solved: number };
    const now = await this.dataSource.query<OrgRow[]>(REPORT_SQL.organisations, [query.from, query.to]);
    const before = new Map(
      (await this.dataSource.query<OrgRow[]>(REPORT_SQL.organisations, [prev.from, prev.to])).map((r) => [
        r.key,
        r.created,
      ]),
    );
    const names = await this.labels(
      'organisations',
      now.map((r) => r.key),
    );
    return {
      query,
      rows: now
        .map((r) => ({
          organisationId: r.key,
          name: r.key === 'none' ? 'no organisation' : (names.get(r.key) ?? 'removed organisation'),
          created: r.created,
          solved: r.solved,
          previousCreated: before.get(r.key) ?? 0,
        }))
        .sort((a, b) => b.created - a.created || a.name.localeCompare(b.name)),
      previous: prev,
    };
  }

  /** A report as a CSV table: the figures its page shows. */
  async table(name: string, input: unknown): Promise<ReportTable> {
    const q = this.parse(input);
    const file = `${name}-${q.from}-${q.to}-${q.by}`;
    switch (name) {
      case 'volume': {
        const r = await this.volume(input);
        return {
          name: `${file}-${q.split}`,
          columns: [
            'period',
            'key',
            'created',
            'solved',
            'reopened',
            'reopen_rate',
            ...durationColumns('first_response'),
            ...durationColumns('resolution'),
            'sla_first_response_due',
            'sla_first_response_breached',
            'sla_resolution_due',
            'sla_resolution_breached',
            'sla_breach_rate',
          ],
          rows: r.rows.map((x) => [
            x.period,
            x.key,
            x.created,
            x.solved,
            x.reopened,
            x.reopenRate,
            ...durationCells(x.firstResponse),
            ...durationCells(x.resolution),
            x.sla.firstResponseDue,
            x.sla.firstResponseBreached,
            x.sla.resolutionDue,
            x.sla.resolutionBreached,
            x.sla.breachRate,
          ]),
        };
      }
      case 'backlog': {
        const r = await this.backlog(input);
        return { name: file, columns: ['period', 'open_at_end'], rows: r.rows.map((x) => [x.period, x.open]) };
      }
      case 'agents': {
        const r = await this.agents(input);
        const label = new Map(r.agents.map((a) => [a.id, a.name]));
        return {
          name: file,
          columns: [
            'period',
            'agent_id',
            'agent',
            'replies',
            'solved',
            ...durationColumns('first_response'),
            ...durationColumns('resolution'),
          ],
          rows: r.rows.map((x) => [
            x.period,
            x.agentId,
            label.get(x.agentId),
            x.replies,
            x.solved,
            ...durationCells(x.firstResponse),
            ...durationCells(x.resolution),
          ]),
        };
      }
      case 'organisations': {
        const r = await this.organisations(input);
        return {
          name: `organisations-${q.from}-${q.to}`,
          columns: ['organisation_id', 'organisation', 'created', 'solved', 'created_previous_period'],
          rows: r.rows.map((x) => [x.organisationId, x.name, x.created, x.solved, x.previousCreated]),
        };
      }
      default:
        throw new ReportError('invalid_report', `no report named ${name}`);
    }
  }

  private async statsRows<T extends { period: string; key: string }>(
    sql: string,
    from: string,
    to: string,
    by: Period,
  ): Promise<T[]> {
    return this.dataSource.query<T[]>(sql, [from, to, by]);
  }

  private async labels(table: 'users' | 'organisations', ids: string[]): Promise<Map<string, string>> {
    const real = ids.filter((id) => id !== 'none');
    if (!real.length) return new Map();
    const rows = await this.dataSource.query<Array<{ id: string; name: string }>>(
      `SELECT id::text, name FROM ${table} WHERE id = ANY($1::uuid[])`,
      [real],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}

function previousRange(q: ReportQuery): { from: string; to: string } {
  const length = daysBetween(q.from, q.to) + 1;
  return { from: addDays(q.from, -length), to: addDays(q.from, -1) };
}

function minDay(a: string, b: string): string {
  return a < b ? a : b;
}

/**
 * Groups stored rows (one per day and stored key) by period and report key, and gives every
 * period a row for every key seen in the range (plus `always`), empty where nothing happened.
 */
function fill<T extends { period: string; key: string }>(
  rows: T[],
  periods: string[],
  always: string[],
): Array<[string, string, T[]]> {
  const grouped = new Map<string, T[]>();
  for (const r of rows) {
    const k = `${r.period}\u0000${r.key}`;
    const list = grouped.get(k);
    if (list) list.push(r);
    else grouped.set(k, [r]);
  }
  const keys = [...new Set([...always, ...rows.map((r) => r.key)])].sort();
  return periods.flatMap((period) =>
    keys.map((key): [string, string, T[]] => [period, key, grouped.get(`${period}\u0000${key}`) ?? []]),
  );
}

function byKey<T extends { key: string }>(rows: T[]): Array<[string, T[]]> {
  const grouped = new Map<string, T[]>();
  for (const r of rows) grouped.set(r.key, [...(grouped.get(r.key) ?? []), r]);
  return [...grouped.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

function timeFigures(list: Array<Omit<AgentStatsRow, 'replies' | 'solved' | 'period' | 'key'>>) {
  const fr: number[] = [];
  const res: number[] = [];
  let frCount = 0;
  let frSeconds = 0;
  let resCount = 0;
  let resSeconds = 0;
  for (const r of list) {
    frCount += r.fr_count;
    resCount += r.res_count;
    frSeconds += Number(r.fr_seconds);
    resSeconds += Number(r.res_seconds);
    addInto(fr, r.fr_buckets);
    addInto(res, r.res_buckets);
  }
  return { firstResponse: durations(frCount, frSeconds, fr), resolution: durations(resCount, resSeconds, res) };
}

const sum = <T>(list: T[], pick: (r: T) => number) => list.reduce((a, r) => a + pick(r), 0);
const rate = (part: number, whole: number) => (whole ? Math.round((part / whole) * 10_000) / 10_000 : null);

function figures(list: StatsRow[]): ReportFigures {
  const solved = sum(list, (r) => r.solved);
  const reopened = sum(list, (r) => r.reopened);
  const sla = {
    firstResponseDue: sum(list, (r) => r.fr_due),
    firstResponseBreached: sum(list, (r) => r.fr_breached),
    resolutionDue: sum(list, (r) => r.res_due),
    resolutionBreached: sum(list, (r) => r.res_breached),
  };
  return {
    created: sum(list, (r) => r.created),
    solved,
    reopened,
    reopenRate: rate(reopened, solved),
    ...timeFigures(list),
    sla: {
      ...sla,
      breachRate: rate(sla.firstResponseBreached + sla.resolutionBreached, sla.firstResponseDue + sla.resolutionDue),
    },
  };
}

function agentFigures(list: AgentStatsRow[]): AgentFigures {
  return { replies: sum(list, (r) => r.replies), solved: sum(list, (r) => r.solved), ...timeFigures(list) };
}

function durationColumns(prefix: string): string[] {
  return [`${prefix}_count`, `${prefix}_mean_s`, `${prefix}_median_s`, `${prefix}_p90_s`];
}

function durationCells(d: Durations): unknown[] {
  return [d.count, d.meanSeconds, d.medianSeconds, d.p90Seconds];
}
