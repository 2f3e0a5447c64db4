import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { MailboxEntity } from './mailbox.entity';

/** An authorisation started by an admin and not finished yet (PKCE verifier encrypted). */
@Entity('mailbox_oauth_states')
export class MailboxOauthStateEntity {
  @PrimaryColumn({ name: 'state_hash', type: 'text', primaryKeyConstraintName: 'pk_mailbox_oauth_states' })
  stateHash: string;

  @Column({ name: 'mailbox_id', type: 'uuid' })
  mailboxId: string;

  @ManyToOne(() => MailboxEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'mailbox_id', foreignKeyConstraintName: 'fk_mailbox_oauth_states_mailbox' })
  mailbox?: MailboxEntity;

  @Column({ type: 'text' })
  provider: string;

  @Column({ name: 'code_verifier_encrypted', type: 'text' })
  codeVerifierEncrypted: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
