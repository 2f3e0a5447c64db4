import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { TicketEntity } from './ticket.entity';

/** Marks a ticket whose content (subject, bodies, attachments) was redacted, and why. */
@Entity('ticket_redactions')
export class TicketRedactionEntity {
  @PrimaryColumn({ name: 'ticket_id', type: 'uuid' })
  ticketId: string;

  @OneToOne(() => TicketEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'ticket_id', foreignKeyConstraintName: 'fk_ticket_redactions_ticket' })
  ticket?: TicketEntity;

  /** retention or erasure */
  @Column({ type: 'text' })
  reason: string;

  @Column({ name: 'redacted_at', type: 'timestamptz', default: () => 'now()' })
  redactedAt: Date;
}
