import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { MutableEntity } from './base';
import { OrganisationEntity } from './organisation.entity';

/** A customer. Personal data lives here and in message bodies, nowhere else. */
@Entity('contacts')
@Index('ux_contacts_email', ['email'], { unique: true })
@Index('ix_contacts_organisation', ['organisationId'])
// Trigram index for search (issue 11), created by hand in migration 1765300000000.
@Index('ix_contacts_search', { synchronize: false })
export class ContactEntity extends MutableEntity {
  /** Stored lower-cased; null once the contact is anonymised. */
  @Column({ type: 'text', nullable: true })
  email: string | null;

  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Column({ type: 'text', nullable: true })
  company: string | null;

  @Column({ type: 'text', nullable: true })
  website: string | null;

  @Column({ type: 'text', nullable: true })
  phone: string | null;

  /** Postal address, as the customer wrote it (up to 6 lines); registration contact information. */
  @Column({ name: 'postal_address', type: 'text', nullable: true })
  postalAddress: string | null;

  @Column({ name: 'anonymized_at', type: 'timestamptz', nullable: true })
  anonymizedAt: Date | null;

  /** Derived from company or email domain by the trigger `contacts_organisation`; may be set by hand. */
  @Column({ name: 'organisation_id', type: 'uuid', nullable: true })
  organisationId: string | null;

  @ManyToOne(() => OrganisationEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'fk_contacts_organisation' })
  organisation?: OrganisationEntity;
}
