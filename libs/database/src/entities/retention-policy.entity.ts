import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { MutableEntity } from './base';
import { MailboxEntity } from './mailbox.entity';

/**
 * One retention rule: how many days a data class is kept and what happens then. A row without a
 * mailbox is the global rule; a row with one overrides it for that mailbox's tickets and mail.
 * Classes without a row use the defaults in libs/privacy (retention-defaults.ts).
 */
@Entity('retention_policies')
@Index('ux_retention_policies_global', ['dataClass'], { unique: true, where: 'mailbox_id IS NULL' })
@Index('ux_retention_policies_mailbox', ['mailboxId', 'dataClass'], {
  unique: true,
  where: 'mailbox_id IS NOT NULL',
})
export class RetentionPolicyEntity extends MutableEntity {
  @Column({ name: 'mailbox_id', type: 'uuid', nullable: true })
  mailboxId: string | null;

  @ManyToOne(() => MailboxEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'mailbox_id', foreignKeyConstraintName: 'fk_retention_policies_mailbox' })
  mailbox?: MailboxEntity;

  /** quarantined_inbound, failed_jobs, closed_ticket_content, inactive_contacts, login_ip, login_events */
  @Column({ name: 'data_class', type: 'text' })
  dataClass: string;

  @Column({ type: 'integer' })
  days: number;

  /** delete, redact, anonymise or truncate, depending on the class. */
  @Column({ type: 'text' })
  action: string;

  /** Who set it: "cli" or "user:<id>" (an id, never a name). */
  @Column({ name: 'updated_by', type: 'text', nullable: true })
  updatedBy: string | null;
}
