import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { AuditError } from './audit.error';

/** One entry as the Audit screen and its CSV show it. */
export interface AuditEntryView {
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  /** The actor's current name when the actor is a member of staff (looked up, never stored). */
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  ip: string | null;
  changes: Record<string, { before: unknown; after: unknown }> | null;
  details: Record<string, unknown> | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const day = z.iso.date({ message: 'must be a date (YYYY-MM-DD)' });

const filterSchema = z
  .object({
    /** A user id, or one of the non-user actor types (system, cli, scheduler, contact). */
    actor: z.string().trim().max(100).optional(),
    /** An exact action (`user.role_changed`) or a prefix ending in a dot (`user.`). */
    action: z
      .string()
      .trim()
      .regex(/^[a-z0-9_.]{1,100}$/, 'must be an action or a prefix such as user.')
      .optional(),
    targetType: z
      .string()
      .trim()
      .regex(/^[a-z0-9_]{1,50}$/, 'must be a target type such as user')
      .optional(),
    targetId: z.string().trim().max(200).optional(),
    from: day.optional(),
    to: day.optional(),
    before: z
      .string()
      .regex(/^\d{1,19}$/, 'must be an entry id')
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export type AuditFilter = z.input<typeof filterSchema>;

const CSV_LIMIT = 100_000;

/** Reads the audit log for the Audit screen: newest first, filtered, paged by id; and as CSV. */
@Injectable()
export class AuditQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async search(input: unknown): Promise<{ items: AuditEntryView[]; nextBefore: string | null }> {
    const filter = parseFilter(input);
    const { sql, params } = whereOf(filter);
    params.push(filter.limit + 1);
    const rows = await this.select(`${sql} ORDER BY a.id DESC LIMIT $${params.length}`, params);
    const items = rows.slice(0, filter.limit);
    return { items, nextBefore: rows.length > filter.limit ? (items.at(-1)?.id ?? null) : null };
  }

  /** The filtered entries as CSV (RFC 4180), newest first, at most 100,000 rows. */
  async csv(input: unknown): Promise<string> {
    const filter = parseFilter({ ...(input as object), limit: undefined });
    const { sql, params } = whereOf(filter);
    params.push(CSV_LIMIT);
    const rows = await this.select(`${sql} ORDER BY a.id DESC LIMIT $${params.length}`, params);
    const header = [
      'id',
      'time',
      'actor_type',
      'actor_id',
      'actor_name',
      'action',
      'target_type',
      'target_id',
      'ip',
      'changes',
      'details',
    ];
    const lines = rows.map((r) =>
      [
        r.id,
        r.at,
        r.actorType,
        r.actorId,
        r.actorName,
        r.action,
        r.targetType,
        r.targetId,
        r.ip,
        r.changes ? JSON.stringify(r.changes) : null,
        r.details ? JSON.stringify(r.details) : null,
      ]
        .map(csvCell)
        .join(','),
    );
    return [header.join(','), ...lines].join('\r\n') + '\r\n';
  }

  /** The actions recorded so far, for the screen's filter. */
  async actions(): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ action: string }>>(
      `SELECT DISTINCT action FROM audit_log ORDER BY action`,
    );
    return rows.map((r) => r.action);
  }

  private async select(where: string, params: unknown[]): Promise<AuditEntryView[]> {
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        created_at: Date;
        actor_type: string;
        actor_id: string | null;
        actor_name: string | null;
        action: string;
        target_type: string;
        target_id: string | null;
        ip: string | null;
        changes: AuditEntryView['changes'];
        details: AuditEntryView['details'];
      }>
    >(
      `SELECT a.id::text AS id, a.created_at, a.actor_type, a.actor_id, u.name AS actor_name, a.action, a.target_type,
              a.target_id, a.ip, a.changes, a.details
         FROM audit_log a
         LEFT JOIN users u ON a.actor_type = 'user' AND u.id::text = a.actor_id
        ${where}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      at: r.created_at.toISOString(),
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorName: r.actor_name,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      ip: r.ip,
      changes: r.changes,
      details: r.details,
    }));
  }
}

function parseFilter(input: unknown): z.output<typeof filterSchema> {
  const cleaned = Object.fromEntries(
    Object.entries((input ?? {}) as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = filterSchema.safeParse(cleaned);
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const i of parsed.error.issues) fields[i.path.join('.') || 'filter'] ??= i.message;
    throw new AuditError('invalid_audit_filter', 'The audit filter is invalid', fields);
  }
  return parsed.data;
}

function whereOf(f: z.output<typeof filterSchema>): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (f.actor) {
    if (UUID.test(f.actor)) where.push(`a.actor_type = 'user' AND a.actor_id = ${p(f.actor.toLowerCase())}`);
    else if (['system', 'cli', 'scheduler', 'contact', 'user'].includes(f.actor))
      where.push(`a.actor_type = ${p(f.actor)}::audit_actor_type`);
    else
      throw new AuditError('invalid_audit_filter', 'The audit filter is invalid', {
        actor: 'must be a user id or an actor type',
      });
  }
  if (f.action) {
    if (f.action.endsWith('.')) where.push(`a.action LIKE ${p(`${f.action.replace(/_/g, '\\_')}%`)}`);
    else where.push(`a.action = ${p(f.action)}`);
  }
  if (f.targetType) where.push(`a.target_type = ${p(f.targetType)}`);
  if (f.targetId) where.push(`a.target_id = ${p(f.targetId)}`);
  if (f.from) where.push(`a.created_at >= ${p(f.from)}::date`);
  if (f.to) where.push(`a.created_at < ${p(f.to)}::date + 1`);
  if (f.before) where.push(`a.id < ${p(f.before)}::bigint`);
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** A CSV cell; cells a spreadsheet would run as a formula get a leading apostrophe. */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
