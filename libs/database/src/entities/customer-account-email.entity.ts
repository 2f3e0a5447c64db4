import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { BaseEntity } from './base';
import { CustomerAccountEntity } from './customer-account.entity';

/**
 * An address a customer account claims. Tickets of the address are shown only once it is verified,
 * and a verified address belongs to one account only (ux_customer_emails_verified).
 */
@Entity('customer_account_emails')
@Index('ux_customer_emails_account_email', ['accountId', 'email'], { unique: true })
@Index('ux_customer_emails_verified', ['email'], { unique: true, where: 'verified_at IS NOT NULL' })
export class CustomerAccountEmailEntity extends BaseEntity {
  @Column({ name: 'account_id', type: 'uuid' })
  accountId: string;

  @ManyToOne(() => CustomerAccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'fk_customer_emails_account' })
  account?: CustomerAccountEntity;

  /** Lower-cased. */
  @Column({ type: 'text' })
  email: string;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;
}
