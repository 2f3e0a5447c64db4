import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CustomerAccountEntity } from './customer-account.entity';

/** One sign-in attempt: IP, browser family and language, time. Minimised over time by retention. */
@Entity('login_events')
@Index('ix_login_events_user_created', ['userId', 'createdAt'])
@Index('ix_login_events_created', ['createdAt'])
@Index('ix_login_events_account_ip', ['accountHash', 'ip', 'createdAt'])
@Index('ix_login_events_customer_created', ['customerAccountId', 'createdAt'])
export class LoginEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  /** Customer portal sign-ins (issue 13): same table, so the same retention classes apply. */
  @Column({ name: 'customer_account_id', type: 'uuid', nullable: true })
  customerAccountId: string | null;

  @ManyToOne(() => CustomerAccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_account_id', foreignKeyConstraintName: 'fk_login_events_customer_account' })
  customerAccount?: CustomerAccountEntity;

  @Column({ type: 'boolean' })
  success: boolean;

  /**
   * Keyed hash of the address typed in (known or not), so failures can be counted per account and
   * source IP without storing the address. Emptied with the IP by retention.
   */
  @Column({ name: 'account_hash', type: 'char', length: 64, nullable: true })
  accountHash: string | null;

  @Column({ type: 'text', nullable: true })
  ip: string | null;

  @Column({ name: 'ip_truncated', type: 'boolean', default: false })
  ipTruncated: boolean;

  /** Browser family and major version only (e.g. "Chrome 156"), never the full user agent. */
  @Column({ type: 'text', nullable: true })
  browser: string | null;

  /** Primary language tag from Accept-Language (e.g. "en-GB"). */
  @Column({ type: 'text', nullable: true })
  language: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
