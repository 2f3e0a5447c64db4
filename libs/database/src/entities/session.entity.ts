import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { SessionBase } from './session-base';
import { UserEntity } from './user.entity';

/** A signed-in browser. Only the SHA-256 of the cookie token is stored. */
@Entity('sessions')
@Index('ux_sessions_token_hash', ['tokenHash'], { unique: true })
@Index('ix_sessions_expires', ['expiresAt'])
export class SessionEntity extends SessionBase {
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_sessions_user' })
  user?: UserEntity;
}
