import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { MutableEntity } from './base';
import { ContactEntity } from './contact.entity';

/**
 * A data-subject request (export, correction, erasure) tracked from receipt to completion:
 * received → verified → done (or rejected), due 30 days after receipt.
 */
@Entity('data_subject_requests')
@Index('ix_dsr_status_due', ['status', 'dueAt'])
@Index('ix_dsr_contact', ['contactId'])
export class DataSubjectRequestEntity extends MutableEntity {
  /** export, correction, erasure */
  @Column({ type: 'text' })
  type: string;

  /** received, verified, done, rejected */
  @Column({ type: 'text' })
  status: string;

  @Column({ name: 'contact_id', type: 'uuid', nullable: true })
  contactId: string | null;

  @ManyToOne(() => ContactEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'contact_id', foreignKeyConstraintName: 'fk_dsr_contact' })
  contact?: ContactEntity;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt: Date;

  @Column({ name: 'received_by', type: 'text' })
  receivedBy: string;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  @Column({ name: 'verified_by', type: 'text', nullable: true })
  verifiedBy: string | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  /**
   * Corrections only: the new values, kept until the request is done and then cleared (the
   * contact row then holds them). Personal data, so erasure clears it too.
   */
  @Column({ name: 'requested_changes', type: 'jsonb', nullable: true })
  requestedChanges: Record<string, string | null> | null;

  /** What was done, as counts and field names only. */
  @Column({ type: 'jsonb', nullable: true })
  receipt: Record<string, unknown> | null;
}
