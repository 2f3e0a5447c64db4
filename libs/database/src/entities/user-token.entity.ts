import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from './user.entity';

/**
 * A one-time link that lets a user set their password: an invitation or a reset. Only the SHA-256
 * of the token is stored; the link works once and until it expires.
 */
@Entity('user_tokens')
@Index('ux_user_tokens_token_hash', ['tokenHash'], { unique: true })
@Index('ix_user_tokens_user', ['userId'])
export class UserTokenEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_user_tokens' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_user_tokens_user' })
  user?: UserEntity;

  /** `invite` or `reset`. */
  @Column({ type: 'text' })
  purpose: string;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
