import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { MutableEntity } from './base';
import { MailboxAfterAction } from './enums';
import { GroupEntity } from './group.entity';

/** An IMAP mailbox the poller reads. The password is encrypted at rest (AES-256-GCM). */
@Entity('mailboxes')
@Index('ux_mailboxes_name', ['name'], { unique: true })
@Index('ux_mailboxes_default_outbound', ['defaultOutbound'], { unique: true, where: 'default_outbound' })
export class MailboxEntity extends MutableEntity {
  @Column({ type: 'text' })
  name: string;

  /** The support address customers write to; used as From on replies. */
  @Column({ type: 'text' })
  address: string;

  @Column({ type: 'text' })
  host: string;

  @Column({ type: 'integer', default: 993 })
  port: number;

  @Column({ type: 'boolean', default: true })
  tls: boolean;

  @Column({ name: 'tls_reject_unauthorized', type: 'boolean', default: true })
  tlsRejectUnauthorized: boolean;

  @Column({ type: 'text' })
  username: string;

  @Column({ name: 'password_encrypted', type: 'text' })
  passwordEncrypted: string;

  @Column({ type: 'text', default: 'INBOX' })
  folder: string;

  @Column({
    name: 'after_action',
    type: 'enum',
    enum: MailboxAfterAction,
    enumName: 'mailbox_after_action',
    default: MailboxAfterAction.Move,
  })
  afterAction: MailboxAfterAction;

  @Column({ name: 'processed_folder', type: 'text', default: 'Processed' })
  processedFolder: string;

  @Column({ name: 'quarantine_folder', type: 'text', default: 'Quarantine' })
  quarantineFolder: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'group_id', type: 'uuid', nullable: true })
  groupId: string | null;

  @ManyToOne(() => GroupEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'group_id', foreignKeyConstraintName: 'fk_mailboxes_group' })
  group?: GroupEntity;

  // --- Answering (issue 14): the mailbox's identity on outbound mail ---
  /** Display name on From (else MAIL_FROM_NAME). */
  @Column({ name: 'from_name', type: 'text', nullable: true })
  fromName: string | null;

  /** Optional Reply-To address; else replies go to the signed plus-address of `address`. */
  @Column({ name: 'reply_to', type: 'text', nullable: true })
  replyTo: string | null;

  /** Appended to agents' replies sent from this mailbox; placeholders as in canned replies. */
  @Column({ type: 'text', nullable: true })
  signature: string | null;

  /** The acknowledgement of new tickets; null = the built-in text. */
  @Column({ name: 'ack_template', type: 'text', nullable: true })
  ackTemplate: string | null;

  /** An SMTP URL of its own (encrypted like the password); null = SMTP_URL. */
  @Column({ name: 'smtp_url_encrypted', type: 'text', nullable: true })
  smtpUrlEncrypted: string | null;

  /** The mailbox that answers form tickets and agent-created tickets (at most one). */
  @Column({ name: 'default_outbound', type: 'boolean', default: false })
  defaultOutbound: boolean;
}
