import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { BaseEntity } from './base';
import { CustomerAccountEmailEntity } from './customer-account-email.entity';
import { CustomerAccountEntity } from './customer-account.entity';

/**
 * One account mail (address verification or magic sign-in link) on its way through the outbound
 * queue. The job carries this row's id only; the link inside is derived from the id and expiry with
 * the app secret (nothing secret is stored), and `usedAt` makes it single-use.
 */
@Entity('customer_account_mails')
@Index('ix_customer_mails_account_created', ['accountId', 'createdAt'])
@Index('ix_customer_mails_email', ['emailId'])
export class CustomerAccountMailEntity extends BaseEntity {
  @Column({ name: 'account_id', type: 'uuid' })
  accountId: string;

  @ManyToOne(() => CustomerAccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'fk_customer_mails_account' })
  account?: CustomerAccountEntity;

  @Column({ name: 'email_id', type: 'uuid' })
  emailId: string;

  @ManyToOne(() => CustomerAccountEmailEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'email_id', foreignKeyConstraintName: 'fk_customer_mails_email' })
  email?: CustomerAccountEmailEntity;

  /** verify | magic_link */
  @Column({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  /** queued | sent | failed */
  @Column({ type: 'varchar', length: 16, default: 'queued' })
  status: string;

  /** A short reason code, never server text. */
  @Column({ type: 'text', nullable: true })
  error: string | null;
}
