import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum AuditActorType {
  User = 'user',
  Contact = 'contact',
  System = 'system',
  Cli = 'cli',
  Scheduler = 'scheduler',
}

/**
 * The audit log: one row per privileged action (who, what, on what, when, from where, and the
 * before/after of changed non-secret fields). Append-only: a trigger (migration 1765400000000)
 * refuses UPDATE and DELETE except inside the retention sweep, which may delete old rows and
 * truncate IPs, nothing else. Written only through AuditService (@app/audit), which strips secrets.
 */
@Entity('audit_log')
@Index('ix_audit_log_created', ['createdAt'])
@Index('ix_audit_log_actor', ['actorType', 'actorId', 'id'])
@Index('ix_audit_log_action', ['action', 'id'])
@Index('ix_audit_log_target', ['targetType', 'targetId', 'id'])
export class AuditLogEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', primaryKeyConstraintName: 'pk_audit_log' })
  id: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'actor_type', type: 'enum', enum: AuditActorType, enumName: 'audit_actor_type' })
  actorType: AuditActorType;

  /** A user or contact id; null for the system, the CLI and the scheduler. Never a name or address. */
  @Column({ name: 'actor_id', type: 'text', nullable: true })
  actorId: string | null;

  /** Dotted: `user.role_changed`, `ticket.merged`, `auth.sign_in_failed`. */
  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'target_type', type: 'text' })
  targetType: string;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId: string | null;

  /** The caller's IP; truncated under the login-IP retention class (/24, /48). */
  @Column({ type: 'text', nullable: true })
  ip: string | null;

  @Column({ name: 'ip_truncated', type: 'boolean', default: false })
  ipTruncated: boolean;

  /** `{ field: { before, after } }` of changed non-secret fields. */
  @Column({ type: 'jsonb', nullable: true })
  changes: Record<string, { before: unknown; after: unknown }> | null;

  /** Counts, codes and ids; never secrets or message content. */
  @Column({ type: 'jsonb', nullable: true })
  details: Record<string, unknown> | null;
}
