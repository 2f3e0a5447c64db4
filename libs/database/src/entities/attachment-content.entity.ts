import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Bytes of attachments when the PostgreSQL storage is used. */
@Entity('attachment_contents')
export class AttachmentContentEntity {
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ type: 'bytea' })
  data: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
