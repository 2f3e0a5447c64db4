import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Audit trail of privacy actions (data-subject requests, corrections, consent withdrawals, policy
 * changes). Ids, actions, field names and counts only — never the personal values themselves.
 */
@Entity('privacy_audit_log')
@Index('ix_privacy_audit_subject', ['subjectType', 'subjectId'])
@Index('ix_privacy_audit_created', ['createdAt'])
export class PrivacyAuditEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** "system", "scheduler", "cli", "user:<id>" or "contact:<id>". */
  @Column({ type: 'text' })
  actor: string;

  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'subject_type', type: 'text' })
  subjectType: string;

  @Column({ name: 'subject_id', type: 'uuid', nullable: true })
  subjectId: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;
}
