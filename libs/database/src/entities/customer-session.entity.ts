import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { SessionBase } from './session-base';
import { CustomerAccountEntity } from './customer-account.entity';

/** A signed-in customer browser; its own table and cookie, never a staff session. */
@Entity('customer_sessions')
@Index('ux_customer_sessions_token_hash', ['tokenHash'], { unique: true })
@Index('ix_customer_sessions_expires', ['expiresAt'])
@Index('ix_customer_sessions_account', ['accountId'])
export class CustomerSessionEntity extends SessionBase {
  @Column({ name: 'account_id', type: 'uuid' })
  accountId: string;

  @ManyToOne(() => CustomerAccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'fk_customer_sessions_account' })
  account?: CustomerAccountEntity;
}
