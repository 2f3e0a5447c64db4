import { CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { TicketEntity } from './ticket.entity';

/** Tickets whose first response is already counted in ticket_stats_daily (ids only). */
@Entity('stats_first_responses')
export class StatsFirstResponseEntity {
  @PrimaryColumn({ name: 'ticket_id', type: 'uuid' })
  ticketId: string;

  @OneToOne(() => TicketEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'ticket_id', foreignKeyConstraintName: 'fk_stats_first_responses_ticket' })
  ticket?: TicketEntity;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
