import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { MailboxEntity } from './mailbox.entity';

const bigintNumber = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? v : Number(v)) };

/**
 * What the poller knows about one mailbox, shared between processes: the UID cursor (last staged
 * UID per UIDVALIDITY), the lease that lets exactly one poller replica hold the mailbox (used
 * when no Redis is configured), and the status /health reports.
 */
@Entity('mailbox_states')
export class MailboxStateEntity {
  @PrimaryColumn({ name: 'mailbox_id', type: 'uuid' })
  mailboxId: string;

  @OneToOne(() => MailboxEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'mailbox_id', foreignKeyConstraintName: 'fk_mailbox_states_mailbox' })
  mailbox?: MailboxEntity;

  /** UIDVALIDITY the cursor belongs to; a different value on the server resets the cursor. */
  @Column({ name: 'uid_validity', type: 'bigint', nullable: true, transformer: bigintNumber })
  uidValidity: number | null;

  /** Highest UID already staged under `uidValidity`. */
  @Column({ name: 'last_uid', type: 'bigint', default: 0, transformer: bigintNumber })
  lastUid: number;

  /** Poller replica holding the mailbox (PostgreSQL lease mode); null when free. */
  @Column({ name: 'lease_owner', type: 'text', nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ type: 'boolean', default: false })
  connected: boolean;

  @Column({ name: 'last_fetch_at', type: 'timestamptz', nullable: true })
  lastFetchAt: Date | null;

  /** Messages on the server not yet staged, as of the last check. */
  @Column({ type: 'integer', default: 0 })
  backlog: number;

  /** Error class/code of the last failure (never server text, which may quote addresses). */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
