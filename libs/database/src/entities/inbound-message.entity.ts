import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { BaseEntity } from './base';
import { InboundKind, InboundStatus } from './enums';
import { MailboxEntity } from './mailbox.entity';

const bigintNumber = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? v : Number(v)) };

/**
 * Staging row of the intake path: raw bytes stay here only until the ticket is committed.
 * An email is unique per mailbox + UIDVALIDITY + UID, so the poller can stage the same UID again
 * after a crash without creating a second row.
 */
@Entity('inbound_messages')
@Index('ux_inbound_mailbox_uid', ['mailboxId', 'uidValidity', 'uid'], {
  unique: true,
  where: 'mailbox_id IS NOT NULL',
})
@Index('ix_inbound_status_created', ['status', 'createdAt'])
@Index('ix_inbound_sha256', ['sha256'])
// Settle batches and the settle sweep read only the rows whose server copy is still due.
@Index('ix_inbound_unsettled', ['mailboxId', 'uidValidity', 'uid'], {
  where: 'settled_at IS NULL AND mailbox_id IS NOT NULL',
})
export class InboundMessageEntity extends BaseEntity {
  @Column({ type: 'enum', enum: InboundKind, enumName: 'inbound_kind' })
  kind: InboundKind;

  @Column({
    type: 'enum',
    enum: InboundStatus,
    enumName: 'inbound_status',
    default: InboundStatus.Received,
  })
  status: InboundStatus;

  /** RFC 5322 bytes for email, a JSON document for the web form. Null once processed. */
  @Column({ type: 'bytea', nullable: true })
  raw: Buffer | null;

  @Column({ type: 'integer', default: 0 })
  size: number;

  @Column({ type: 'char', length: 64 })
  sha256: string;

  /** Machine-readable reason code for quarantine (never contains message content). */
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'mailbox_id', type: 'uuid', nullable: true })
  mailboxId: string | null;

  @ManyToOne(() => MailboxEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'mailbox_id', foreignKeyConstraintName: 'fk_inbound_mailbox' })
  mailbox?: MailboxEntity;

  @Column({ name: 'uid_validity', type: 'bigint', nullable: true, transformer: bigintNumber })
  uidValidity: number | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber })
  uid: number | null;

  @Column({ name: 'message_id_header', type: 'text', nullable: true })
  messageIdHeader: string | null;

  /** Ticket number reserved at submission time for form requests, so the customer gets it at once. */
  @Column({ name: 'reserved_ticket_number', type: 'bigint', nullable: true, transformer: bigintNumber })
  reservedTicketNumber: number | null;

  @Column({ name: 'ticket_id', type: 'uuid', nullable: true })
  ticketId: string | null;

  @Column({ name: 'message_row_id', type: 'uuid', nullable: true })
  messageRowId: string | null;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt: Date | null;

  /** Set once the server copy has been moved, expunged or flagged. */
  @Column({ name: 'settled_at', type: 'timestamptz', nullable: true })
  settledAt: Date | null;

  @Column({ name: 'quarantined_at', type: 'timestamptz', nullable: true })
  quarantinedAt: Date | null;
}
