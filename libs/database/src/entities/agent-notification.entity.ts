import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TicketEntity } from './ticket.entity';
import { UserEntity } from './user.entity';

/**
 * One email notification to an agent (assigned, customer replied, SLA about to breach) on its way
 * through the outbound queue. The job carries this row's id only; the mail is rendered from the
 * ticket at send time. `dedupeKey` makes each trigger notify once (a history event id, or a ticket's
 * due date), however often the scan sees it.
 */
@Entity('agent_notifications')
@Index('ix_agent_notifications_user_created', ['userId', 'createdAt'])
@Index('ux_agent_notifications_dedupe', ['dedupeKey'], { unique: true })
export class AgentNotificationEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_agent_notifications' })
  id: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_agent_notifications_user' })
  user?: UserEntity;

  @Column({ name: 'ticket_id', type: 'uuid' })
  ticketId: string;

  @ManyToOne(() => TicketEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'ticket_id', foreignKeyConstraintName: 'fk_agent_notifications_ticket' })
  ticket?: TicketEntity;

  /** assigned | customer_replied | sla_first_response | sla_resolution */
  @Column({ type: 'varchar', length: 24 })
  kind: string;

  @Column({ name: 'dedupe_key', type: 'text' })
  dedupeKey: string;

  /** queued | sending | sent | failed | dropped */
  @Column({ type: 'varchar', length: 16, default: 'queued' })
  status: string;

  /** A short reason code (why dropped or failed), never server text. */
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;
}
