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

  // --- OAuth2 mailboxes (issue 14) ---
  /** `password` (IMAP LOGIN with the stored password) or `oauth2` (SASL XOAUTH2 with tokens). */
  @Column({ name: 'auth_method', type: 'varchar', length: 16, default: 'password' })
  authMethod: 'password' | 'oauth2';

  /** google, microsoft or custom (see oauth-providers.ts). */
  @Column({ name: 'oauth_provider', type: 'text', nullable: true })
  oauthProvider: string | null;

  @Column({ name: 'oauth_refresh_token_encrypted', type: 'text', nullable: true })
  oauthRefreshTokenEncrypted: string | null;

  @Column({ name: 'oauth_access_token_encrypted', type: 'text', nullable: true })
  oauthAccessTokenEncrypted: string | null;

  @Column({ name: 'oauth_access_expires_at', type: 'timestamptz', nullable: true })
  oauthAccessExpiresAt: Date | null;

  /** Why the grant cannot be used (`oauth_revoked`: reconnect); null when it works. */
  @Column({ name: 'oauth_error', type: 'text', nullable: true })
  oauthError: string | null;

  /** SMTP server of an OAuth2 mailbox (XOAUTH2); null = the provider's preset. */
  @Column({ name: 'smtp_host', type: 'text', nullable: true })
  smtpHost: string | null;

  @Column({ name: 'smtp_port', type: 'integer', nullable: true })
  smtpPort: number | null;

  /** Implicit TLS (465); false = STARTTLS when offered (587). */
  @Column({ name: 'smtp_tls', type: 'boolean', default: true })
  smtpTls: boolean;
}
