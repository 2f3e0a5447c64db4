import { Column, Entity, Index } from 'typeorm';
import { MutableEntity } from './base';

/** A customer. Personal data lives here and in message bodies, nowhere else. */
@Entity('contacts')
@Index('ux_contacts_email', ['email'], { unique: true })
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

  @Column({ name: 'anonymized_at', type: 'timestamptz', nullable: true })
  anonymizedAt: Date | null;
}
