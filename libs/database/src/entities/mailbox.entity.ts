import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { MutableEntity } from './base';
import { MailboxAfterAction } from './enums';
import { GroupEntity } from './group.entity';

/** An IMAP mailbox the poller reads. The password is encrypted at rest (AES-256-GCM). */
@Entity('mailboxes')
@Index('ux_mailboxes_name', ['name'], { unique: true })
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
}
