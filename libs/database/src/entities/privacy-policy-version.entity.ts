import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A published version of the privacy policy text; the latest published one is current. */
@Entity('privacy_policy_versions')
@Index('ix_privacy_policy_versions_published', ['publishedAt'])
export class PrivacyPolicyVersionEntity {
  @PrimaryColumn({ type: 'text' })
  version: string;

  @Column({ type: 'text' })
  text: string;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
