import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { BaseEntity } from './base';
import { MessageEntity } from './message.entity';

/** Metadata of a file attached to a message; the bytes live in an AttachmentStorage. */
@Entity('attachments')
@Index('ix_attachments_message', ['messageId'])
export class AttachmentEntity extends BaseEntity {
  @Column({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @ManyToOne(() => MessageEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'fk_attachments_message' })
  message?: MessageEntity;

  @Column({ type: 'text' })
  filename: string;

  @Column({ name: 'content_type', type: 'text' })
  contentType: string;

  @Column({
    type: 'bigint',
    transformer: { to: (v: number) => v, from: (v: string | null) => (v === null ? v : Number(v)) },
  })
  size: number;

  @Column({ type: 'char', length: 64 })
  sha256: string;

  @Column({ name: 'content_id', type: 'text', nullable: true })
  contentId: string | null;

  @Column({ type: 'boolean', default: false })
  inline: boolean;

  /** Key in the attachment storage; null once the content was removed under retention. */
  @Column({ name: 'storage_key', type: 'text', nullable: true })
  storageKey: string | null;

  // --- Understanding mail (issue 4) ---
  /** SVG, HTML and other active content: only ever served as a download. */
  @Column({ name: 'never_inline', type: 'boolean', default: false })
  neverInline: boolean;

  /** What the sender declared when the bytes said otherwise (then content_type is octet-stream). */
  @Column({ name: 'declared_content_type', type: 'text', nullable: true })
  declaredContentType: string | null;
}
