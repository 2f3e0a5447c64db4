import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CustomerAccountEntity } from './customer-account.entity';

/** A signed-in customer browser; its own table and cookie, never a staff session. */
@Entity('customer_sessions')
@Index('ux_customer_sessions_token_hash', ['tokenHash'], { unique: true })
@Index('ix_customer_sessions_expires', ['expiresAt'])
@Index('ix_customer_sessions_account', ['accountId'])
export class CustomerSessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'account_id', type: 'uuid' })
  accountId: string;

  @ManyToOne(() => CustomerAccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'fk_customer_sessions_account' })
  account?: CustomerAccountEntity;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'csrf_token', type: 'text' })
  csrfToken: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
