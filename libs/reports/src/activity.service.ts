import { formatTicketReference } from '@app/database';
import { scopeOf, scopeSql, SqlParams, type StaffActor } from '@app/tickets';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { addDays, daysBetween } from './periods';
import { parseReportQuery, ReportError } from './report.error';

/** The kinds of change, as the ticket timeline's filter names them. */
export const ACTIVITY_KINDS = ['messages', 'changes', 'merges', 'sla', 'privacy'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/**
 * The kind of a history event in SQL (alias h), the same rules as the ticket timeline's filter
 * (apps/web/src/ticket/timeline-filter.ts), checked in this order.
 */
const KIND_SQL = `CASE
  WHEN h.type IN ('merged', 'contact_merged') THEN 'merges'
  WHEN h.type LIKE 'sla%' OR h.field LIKE 'sla%' OR h.field LIKE '%due\\_at' THEN 'sla'
  WHEN h.type LIKE 'contact\\_%' OR h.type LIKE '%redact%' OR h.type LIKE '%erase%' OR h.type LIKE '%consent%' THEN 'privacy'
  WHEN h.type LIKE 'message\\_%' OR h.type IN ('reply_queued', 'note_added') THEN 'messages'
  ELSE 'changes' END`;

const UUID = z.uuid({ error: 'must be an id' });
const querySchema = z
  .object({
    from: z.iso.date({ error: 'must be a day (YYYY-MM-DD)' }),
    to: z.iso.date({ error: 'must be a day (YYYY-MM-DD)' }),
    agent: UUID.optional(),
    group: UUID.optional(),
    kind: z.enum(ACTIVITY_KINDS).optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' })
  .refine((q) => daysBetween(q.from, q.to) <= 3 * 366, { path: ['to'], message: 'range is at most three years' });

export type ActivityQuery = z.output<typeof querySchema>;

export interface ActivityItem {
  id: string;
  at: string;
  agentId: string | null;
  ticketId: string;
  /** T-n (history of a deleted ticket is not listed: nobody could open it). */
  reference: string;
  groupId: string | null;
  kind: ActivityKind;
  type: string;
  field: string | null;
  /** Non-personal values only (statuses, priorities, ids), as history stores them. */
  oldValue: string | null;
  newValue: string | null;
}

export interface ActivityPage {
  items: ActivityItem[];
  nextCursor: string | null;
}

interface Row {
  id: string;
  at: string;
  actor_id: string | null;
  ticket_id: string;
  number: string;
  group_id: string | null;
  kind: ActivityKind;
  type: string;
  field: string | null;
  old_value: string | null;
  new_value: string | null;
}

/**
 * The activity view (issue 11): every change made by staff in a time range, newest first,
 * filterable by agent, the ticket's group and kind of change; keyset-paged on (time, id) over a
 * partial index of staff history. Reads history (ids, enum values) and ticket numbers only.
 */
@Injectable()
export class ActivityService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  parse(input: unknown): ActivityQuery {
    return parseReportQuery(querySchema, input);
  }

  async page(input: unknown, actor: StaffActor): Promise<ActivityPage> {
    const q = this.parse(input);
    const { sql, values } = this.sql(q, actor);
    const rows = await this.dataSource.query<Row[]>(sql, values);
    const items = rows.slice(0, q.limit).map((r): ActivityItem => ({
      id: r.id,
      at: r.at,
      agentId: r.actor_id,
      ticketId: r.ticket_id,
      reference: formatTicketReference(Number(r.number)),
      groupId: r.group_id,
      kind: r.kind,
      type: r.type,
      field: r.field,
      oldValue: r.old_value,
      newValue: r.new_value,
    }));
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > q.limit && last ? Buffer.from(`${last.at}|${last.id}`).toString('base64url') : null,
    };
  }

  /** The page's SQL (public so the benchmark can time it bare). */
  sql(q: ActivityQuery, actor: StaffActor): { sql: string; values: unknown[] } {
    const p = new SqlParams();
    const where = [
      `h.actor_type = 'user'`,
      `h.created_at >= ${p.add(q.from)}::date`,
      `h.created_at < ${p.add(addDays(q.to, 1))}::date`,
      // Supervisors and admins only today, but never wider than the caller's tickets.
      scopeSql(scopeOf(actor), (v) => p.add(v)),
    ];
    if (q.agent) where.push(`h.actor_id = ${p.add(q.agent)}`);
    if (q.group) where.push(`t.group_id = ${p.add(q.group)}`);
    if (q.kind) where.push(`(${KIND_SQL}) = ${p.add(q.kind)}`);
    if (q.cursor) {
      const [at, id] = Buffer.from(q.cursor, 'base64url').toString('utf8').split('|');
      if (!at || !id || !/^\d{1,19}$/.test(id) || Number.isNaN(Date.parse(at)))
        throw new ReportError('invalid_report', 'cursor is not valid', { cursor: 'is not valid' });
      where.push(`(h.created_at, h.id) < (${p.add(at)}::timestamptz, ${p.add(id)}::bigint)`);
    }
    return {
      sql: `SELECT h.id::text AS id,
               to_char(h.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
               h.actor_id, h.ticket_id, t.number::text AS number, t.group_id, ${KIND_SQL} AS kind,
               h.type, h.field, h.old_value, h.new_value
          FROM history_events h JOIN tickets t ON t.id = h.ticket_id
         WHERE ${where.join(' AND ')}
         ORDER BY h.created_at DESC, h.id DESC
         LIMIT ${p.add(q.limit + 1)}`,
      values: p.values,
    };
  }
}
