import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { MutableEntity } from './base';
import { ContactEntity } from './contact.entity';
import { Channel, TicketPriority, TicketStatus } from './enums';
import { GroupEntity } from './group.entity';
import { MailboxEntity } from './mailbox.entity';
import { UserEntity } from './user.entity';

export const TICKET_NUMBER_SEQUENCE = 'ticket_number_seq';

@Entity('tickets')
@Index('ux_tickets_number', ['number'], { unique: true })
@Index('ix_tickets_status_updated', ['status', 'updatedAt', 'id'])
@Index('ix_tickets_updated', ['updatedAt', 'id'])
@Index('ix_tickets_contact', ['contactId'])
@Index('ix_tickets_assignee', ['assigneeId'])
export class TicketEntity extends MutableEntity {
  /** Human reference, shown as `T-<number>`; taken from a sequence (see the first migration). */
  @Column({
    type: 'bigint',
    default: () => `nextval('${TICKET_NUMBER_SEQUENCE}')`,
    transformer: { to: (v: number | undefined) => v, from: (v: string | null) => (v === null ? v : Number(v)) },
  })
  number: number;

  @Column({ type: 'text' })
  subject: string;

  @Column({ type: 'enum', enum: TicketStatus, enumName: 'ticket_status', default: TicketStatus.New })
  status: TicketStatus;

  @Column({ type: 'enum', enum: TicketPriority, enumName: 'ticket_priority', default: TicketPriority.Normal })
  priority: TicketPriority;

  @Column({ type: 'enum', enum: Channel, enumName: 'channel' })
  channel: Channel;

  @Column({ name: 'contact_id', type: 'uuid' })
  contactId: string;

  @ManyToOne(() => ContactEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'contact_id', foreignKeyConstraintName: 'fk_tickets_contact' })
  contact?: ContactEntity;

  @Column({ name: 'assignee_id', type: 'uuid', nullable: true })
  assigneeId: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'assignee_id', foreignKeyConstraintName: 'fk_tickets_assignee' })
  assignee?: UserEntity;

  @Column({ name: 'group_id', type: 'uuid', nullable: true })
  groupId: string | null;

  @ManyToOne(() => GroupEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'group_id', foreignKeyConstraintName: 'fk_tickets_group' })
  group?: GroupEntity;

  @Column({ name: 'mailbox_id', type: 'uuid', nullable: true })
  mailboxId: string | null;

  @ManyToOne(() => MailboxEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'mailbox_id', foreignKeyConstraintName: 'fk_tickets_mailbox' })
  mailbox?: MailboxEntity;

  @Column({ name: 'last_message_at', type: 'timestamptz' })
  lastMessageAt: Date;

  @Column({ name: 'first_response_at', type: 'timestamptz', nullable: true })
  firstResponseAt: Date | null;

  @Column({ name: 'solved_at', type: 'timestamptz', nullable: true })
  solvedAt: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt: Date | null;
}

export function formatTicketReference(ticketNumber: number): string {
  return `T-${ticketNumber}`;
}

export function parseTicketReference(reference: string): number | null {
  const match = /^T-(\d{1,15})$/i.exec(reference.trim());
  return match ? Number(match[1]) : null;
}
