import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { MutableEntity } from './base';
import { UserEntity } from './user.entity';

/** A reusable answer; `{{customer.name}}`, `{{ticket.reference}}` and `{{agent.name}}` are filled in. */
@Entity('canned_replies')
@Index('ux_canned_replies_title', ['title'], { unique: true })
export class CannedReplyEntity extends MutableEntity {
  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ name: 'created_by_id', type: 'uuid', nullable: true })
  createdById: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by_id', foreignKeyConstraintName: 'fk_canned_replies_created_by' })
  createdBy?: UserEntity;
}
