import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ContactEntity } from './contact.entity';
import { ConsentPurpose } from './enums';

/** One consent decision (granted or withdrawn) for one purpose; the latest per purpose wins. */
@Entity('consents')
@Index('ix_consents_contact_purpose_created', ['contactId', 'purpose', 'createdAt'])
export class ConsentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'contact_id', type: 'uuid' })
  contactId: string;

  @ManyToOne(() => ContactEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'contact_id', foreignKeyConstraintName: 'fk_consents_contact' })
  contact?: ContactEntity;

  @Column({ type: 'enum', enum: ConsentPurpose, enumName: 'consent_purpose' })
  purpose: ConsentPurpose;

  @Column({ type: 'boolean' })
  granted: boolean;

  /** web_form, portal, agent_on_request, withdrawal_link */
  @Column({ type: 'text' })
  source: string;

  @Column({ name: 'policy_version', type: 'text' })
  policyVersion: string;

  /** HMAC of the IP with the app secret: proves a later claim, reveals nothing. */
  @Column({ name: 'ip_hash', type: 'text', nullable: true })
  ipHash: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
