import { AuditActorType, type AuditLogEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditContext } from './audit-context';
import { AuditError } from './audit.error';
import type { AuditRecord, AuditWriter } from './audit-record';
import { scrubChanges, scrubSecrets } from './secret-scrubber';

const ACTION = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const ACTOR_TYPES = new Set<string>(Object.values(AuditActorType));
const MAX_ID = 200;

/**
 * Writes the audit log. Pass the caller's EntityManager to record inside its transaction, so the
 * action and its entry commit or roll back together (recorded exactly once). Entries never hold a
 * secret: secret-named fields in `changes` and `details` are replaced by a marker before writing.
 */
@Injectable()
export class AuditService implements AuditWriter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(entry: AuditRecord, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const row = toRow(entry);
    await manager.query(
      `INSERT INTO audit_log (actor_type, actor_id, action, target_type, target_id, ip, changes, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)`,
      [
        row.actorType,
        row.actorId,
        row.action,
        row.targetType,
        row.targetId,
        row.ip,
        row.changes === null ? null : auditJson(row.changes),
        row.details === null ? null : auditJson(row.details),
      ],
    );
  }
}

/** Validates and scrubs one entry into its row (pure; exported for the unit test). */
export function toRow(entry: AuditRecord): Omit<AuditLogEntity, 'id' | 'createdAt'> {
  if (!ACTION.test(entry.action ?? '')) {
    throw new AuditError('invalid_audit_entry', 'An audit action is dotted lower-case words, e.g. user.role_changed');
  }
  if (!ACTOR_TYPES.has(entry.actor?.type)) throw new AuditError('invalid_audit_entry', 'Unknown audit actor type');
  if (!entry.target?.type) throw new AuditError('invalid_audit_entry', 'An audit entry needs a target type');
  const ip = entry.ip === undefined ? (AuditContext.current()?.ip ?? null) : entry.ip;
  const changes = entry.changes && Object.keys(entry.changes).length > 0 ? scrubChanges(entry.changes) : null;
  const details =
    entry.details && Object.keys(entry.details).length > 0
      ? (scrubSecrets(entry.details) as Record<string, unknown>)
      : null;
  return {
    actorType: entry.actor.type as AuditActorType,
    actorId: clip(entry.actor.id),
    action: entry.action,
    targetType: entry.target.type.slice(0, MAX_ID),
    targetId: clip(entry.target.id),
    ip: ip ? ip.slice(0, 64) : null,
    ipTruncated: false,
    changes,
    details,
  };
}

/**
 * JSON for a jsonb column. A lone UTF-16 surrogate (from input that was not well-formed text)
 * would be written as a `\ud800` escape, which PostgreSQL's jsonb refuses; it becomes U+FFFD, as
 * the text columns store it.
 */
export function auditJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? Buffer.from(v, 'utf8').toString('utf8') : v,
  );
}

function clip(id: string | null | undefined): string | null {
  return id === null || id === undefined ? null : String(id).slice(0, MAX_ID);
}
