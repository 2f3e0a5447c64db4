import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { UserEntity } from './user.entity';

/** An agent's own settings: signature and which notifications they get by email. */
@Entity('agent_preferences')
export class AgentPreferencesEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'pk_agent_preferences' })
  userId: string;

  @OneToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_agent_preferences_user' })
  user?: UserEntity;

  @Column({ type: 'text', nullable: true })
  signature: string | null;

  @Column({ name: 'notify_assigned', type: 'boolean', default: true })
  notifyAssigned: boolean;

  @Column({ name: 'notify_customer_replied', type: 'boolean', default: true })
  notifyCustomerReplied: boolean;

  @Column({ name: 'notify_sla', type: 'boolean', default: true })
  notifySla: boolean;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
