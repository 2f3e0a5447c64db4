import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ActorType } from './enums';

/**
 * Audit trail of a ticket. Holds ids, field names and non-personal values (status, priority,
 * ids of users or groups) only: personal data (names, addresses, bodies, subjects) is never copied
 * here, so history survives erasure without keeping what was erased.
 */
@Entity('history_events')
@Index('ix_history_ticket_created', ['ticketId', 'createdAt'])
// The activity view (issue 11), partial on staff actions: created by hand in migration 1765800000000.
@Index('ix_history_staff_created', { synchronize: false })
@Index('ix_history_staff_actor_created', { synchronize: false })
export class HistoryEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column({ name: 'ticket_id', type: 'uuid' })
  ticketId: string;

  @Column({ name: 'actor_type', type: 'enum', enum: ActorType, enumName: 'actor_type' })
  actorType: ActorType;

  /** User id, contact id or null for the system. */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ type: 'text' })
  type: string;

  @Column({ type: 'text', nullable: true })
  field: string | null;

  @Column({ name: 'old_value', type: 'text', nullable: true })
  oldValue: string | null;

  @Column({ name: 'new_value', type: 'text', nullable: true })
  newValue: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
