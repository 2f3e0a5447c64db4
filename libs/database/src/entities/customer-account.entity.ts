import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { MutableEntity } from './base';
import { ContactEntity } from './contact.entity';

/** What a customer typed at registration, held here only until their first address is verified. */
export interface PendingCustomerProfile {
  name: string;
  company: string | null;
  website: string | null;
  phone: string | null;
  /** Absent in registrations made before the postal address existed. */
  postalAddress?: string | null;
}

/**
 * A customer's portal account (issue 13). It holds the password hash and links to the contact that
 * carries the customer's personal data (name, company, website, phone) once an address is verified;
 * until then the registration data waits in `pendingProfile`, so an unproven claim to an address
 * never writes over that address's contact.
 */
@Entity('customer_accounts')
@Index('ix_customer_accounts_contact', ['contactId'])
export class CustomerAccountEntity extends MutableEntity {
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ name: 'contact_id', type: 'uuid', nullable: true })
  contactId: string | null;

  @ManyToOne(() => ContactEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'contact_id', foreignKeyConstraintName: 'fk_customer_accounts_contact' })
  contact?: ContactEntity;

  @Column({ name: 'pending_profile', type: 'jsonb', nullable: true })
  pendingProfile: PendingCustomerProfile | null;
}
