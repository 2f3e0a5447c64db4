import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { BaseEntity } from './base';
import { ContactEntity } from './contact.entity';
import { DeliveryStatus, MessageDirection } from './enums';
import { MailboxEntity } from './mailbox.entity';
import { TicketEntity } from './ticket.entity';
import { UserEntity } from './user.entity';

@Entity('messages')
@Index('ix_messages_ticket_created', ['ticketId', 'createdAt'])
@Index('ix_messages_message_id', ['messageIdHeader'])
@Index('ix_messages_auto_submitted', ['createdAt'], { where: 'auto_submitted' })
// One inbound staging row makes at most one message, however often its job runs.
@Index('ux_messages_inbound', ['inboundMessageId'], { unique: true, where: 'inbound_message_id IS NOT NULL' })
// The same email (Message-ID and bytes) arriving through two mailboxes or twice is stored once.
@Index('ux_messages_message_id_sha', ['messageIdHeader', 'contentSha256'], {
  unique: true,
  where: "message_id_header IS NOT NULL AND direction = 'in'",
})
export class MessageEntity extends BaseEntity {
  @Column({ name: 'ticket_id', type: 'uuid' })
  ticketId: string;

  @ManyToOne(() => TicketEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'ticket_id', foreignKeyConstraintName: 'fk_messages_ticket' })
  ticket?: TicketEntity;

  @Column({ type: 'enum', enum: MessageDirection, enumName: 'message_direction' })
  direction: MessageDirection;

  /** Internal notes are never sent to the customer. */
  @Column({ type: 'boolean', default: false })
  internal: boolean;

  @Column({ name: 'author_contact_id', type: 'uuid', nullable: true })
  authorContactId: string | null;

  @ManyToOne(() => ContactEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'author_contact_id', foreignKeyConstraintName: 'fk_messages_author_contact' })
  authorContact?: ContactEntity;

  @Column({ name: 'author_user_id', type: 'uuid', nullable: true })
  authorUserId: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'author_user_id', foreignKeyConstraintName: 'fk_messages_author_user' })
  authorUser?: UserEntity;

  @Column({ name: 'body_text', type: 'text' })
  bodyText: string;

  /** Already sanitised with the allowlist; never raw customer HTML. */
  @Column({ name: 'body_html', type: 'text', nullable: true })
  bodyHtml: string | null;

  @Column({ name: 'message_id_header', type: 'text', nullable: true })
  messageIdHeader: string | null;

  @Column({ name: 'in_reply_to', type: 'text', nullable: true })
  inReplyTo: string | null;

  @Column({ name: 'references', type: 'text', array: true, default: () => "'{}'" })
  references: string[];

  @Column({ name: 'content_sha256', type: 'char', length: 64, nullable: true })
  contentSha256: string | null;

  @Column({ name: 'inbound_message_id', type: 'uuid', nullable: true })
  inboundMessageId: string | null;

  @Column({
    name: 'delivery_status',
    type: 'enum',
    enum: DeliveryStatus,
    enumName: 'delivery_status',
    nullable: true,
  })
  deliveryStatus: DeliveryStatus | null;

  @Column({ name: 'delivery_error', type: 'text', nullable: true })
  deliveryError: string | null;

  // --- Understanding mail (issue 4) ---
  /** The new text of an inbound reply, without quoted history and signature (display only). */
  @Column({ name: 'body_text_visible', type: 'text', nullable: true })
  bodyTextVisible: string | null;

  /** The quoted history split off `bodyTextVisible`; the full original stays in `bodyText`. */
  @Column({ name: 'body_text_quoted', type: 'text', nullable: true })
  bodyTextQuoted: string | null;

  /** Inbound: normal, bulk, auto_reply, bounce, feedback or loop (see the classify filter). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  classification: string | null;

  /** Remote images removed from `bodyHtml`; the UI may offer to show them. */
  @Column({ name: 'remote_images_blocked', type: 'integer', default: 0 })
  remoteImagesBlocked: number;

  /** Outbound acknowledgement/notification (sent with Auto-Submitted, rate-limited per recipient). */
  @Column({ name: 'auto_submitted', type: 'boolean', default: false })
  autoSubmitted: boolean;

  // --- Answering (issue 14) ---
  /** Outbound: explicit recipients (a forward); null = the ticket's contact. */
  @Column({ name: 'to_addresses', type: 'text', array: true, nullable: true })
  toAddresses: string[] | null;

  /** Inbound: the Cc of the mail (offered for reply-all); outbound: who was copied. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  cc: string[];

  /** Outbound only; never written into a header. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  bcc: string[];

  /** Outbound: the mailbox whose identity (From, signature, transport) the message is sent with. */
  @Column({ name: 'mailbox_id', type: 'uuid', nullable: true })
  mailboxId: string | null;

  @ManyToOne(() => MailboxEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'mailbox_id', foreignKeyConstraintName: 'fk_messages_mailbox' })
  mailbox?: MailboxEntity;

  /** A forward: the message it forwards. */
  @Column({ name: 'forwarded_message_id', type: 'uuid', nullable: true })
  forwardedMessageId: string | null;

  /** When the SMTP server accepted it (the SLA's first response counts from here). */
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;
}
