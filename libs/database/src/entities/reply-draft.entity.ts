import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { TicketEntity } from './ticket.entity';
import { UserEntity } from './user.entity';

/** What an agent was writing on a ticket, kept across page reloads (one per user and ticket). */
@Entity('reply_drafts')
@Index('ix_reply_drafts_ticket', ['ticketId'])
export class ReplyDraftEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'pk_reply_drafts' })
  userId: string;

  @PrimaryColumn({ name: 'ticket_id', type: 'uuid', primaryKeyConstraintName: 'pk_reply_drafts' })
  ticketId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_reply_drafts_user' })
  user?: UserEntity;

  @ManyToOne(() => TicketEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'ticket_id', foreignKeyConstraintName: 'fk_reply_drafts_ticket' })
  ticket?: TicketEntity;

  @Column({ type: 'jsonb' })
  content: Record<string, unknown>;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
