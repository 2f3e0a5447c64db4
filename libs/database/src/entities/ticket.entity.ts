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
@Index('ix_tickets_linked_ticket', ['linkedTicketId'])
@Index('ix_tickets_assignee', ['assigneeId'])
@Index('ix_tickets_assignee_updated', ['assigneeId', 'updatedAt', 'id'])
@Index('ix_tickets_next_due', ['nextDueAt', 'id'])
@Index('ix_tickets_created', ['createdAt', 'id'])
// Customer page, newest first (issue 11).
@Index('ix_tickets_contact_created', ['contactId', 'createdAt', 'id'])
// Created by hand in migration 1764600000000 (TypeORM cannot express GIN or this partial index).
@Index('ix_tickets_tags', { synchronize: false })
@Index('ix_tickets_open_updated', { synchronize: false })
// Agent inbox counts (migration 1764900000000): capped index-only counts per view and scope part.
@Index('ix_tickets_assignee_status', ['assigneeId', 'status', 'groupId'])
@Index('ix_tickets_group_status', ['groupId', 'status', 'assigneeId'])
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

  // --- agent inbox (issue 5, migration 1764600000000) ---

  /** Free-form labels, lower-case; filtered with a GIN index (ix_tickets_tags, not synchronised). */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tags: string[];

  /** Set when this ticket was merged into another; later customer mail follows that one. */
  @Column({ name: 'merged_into_id', type: 'uuid', nullable: true })
  mergedIntoId: string | null;

  @ManyToOne(() => TicketEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'merged_into_id', foreignKeyConstraintName: 'fk_tickets_merged_into' })
  mergedInto?: TicketEntity;

  /** SLA targets, maintained by the database trigger `tickets_sla_due` from `sla_policies`. */
  @Column({ name: 'first_response_due_at', type: 'timestamptz', nullable: true })
  firstResponseDueAt: Date | null;

  @Column({ name: 'resolution_due_at', type: 'timestamptz', nullable: true })
  resolutionDueAt: Date | null;

  /** The next target that applies now ('infinity' when none): one sortable column for "due soonest". */
  @Column({ name: 'next_due_at', type: 'timestamptz', default: () => "'infinity'" })
  nextDueAt: Date;

  // --- Understanding mail (issue 4) ---
  /** A follow-up that arrived after this ticket's predecessor was closed links back to it. */
  @Column({ name: 'linked_ticket_id', type: 'uuid', nullable: true })
  linkedTicketId: string | null;

  @ManyToOne(() => TicketEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'linked_ticket_id', foreignKeyConstraintName: 'fk_tickets_linked_ticket' })
  linkedTicket?: TicketEntity;
}

export function formatTicketReference(ticketNumber: number): string {
  return `T-${ticketNumber}`;
}

export function parseTicketReference(reference: string): number | null {
  const match = /^T-(\d{1,15})$/i.exec(reference.trim());
  return match ? Number(match[1]) : null;
}
