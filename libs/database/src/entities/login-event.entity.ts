import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One sign-in attempt: IP, browser family and language, time. Minimised over time by retention. */
@Entity('login_events')
@Index('ix_login_events_user_created', ['userId', 'createdAt'])
@Index('ix_login_events_created', ['createdAt'])
@Index('ix_login_events_account_ip', ['accountHash', 'ip', 'createdAt'])
export class LoginEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

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
