import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { BaseEntity } from './base';
import { UserEntity } from './user.entity';

/**
 * A file an agent uploaded for a reply, note, forward or new ticket, before sending. Its bytes are
 * in the attachment storage under `storageKey`; sending turns it into an attachment of the message
 * (same key) and removes this row. Unused uploads are removed after a day (UploadsService.sweep).
 */
@Entity('outbound_uploads')
@Index('ix_outbound_uploads_user', ['userId', 'createdAt'])
export class OutboundUploadEntity extends BaseEntity {
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_outbound_uploads_user' })
  user?: UserEntity;

  @Column({ type: 'text' })
  filename: string;

  @Column({ name: 'content_type', type: 'text' })
  contentType: string;

  @Column({ name: 'declared_content_type', type: 'text', nullable: true })
  declaredContentType: string | null;

  @Column({
    type: 'bigint',
    transformer: { to: (v: number) => v, from: (v: string | null) => (v === null ? v : Number(v)) },
  })
  size: number;

  @Column({ type: 'char', length: 64 })
  sha256: string;

  @Column({ name: 'storage_key', type: 'text' })
  storageKey: string;

  @Column({ name: 'never_inline', type: 'boolean', default: false })
  neverInline: boolean;
}
