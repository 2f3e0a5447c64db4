import { Column, Entity, Index } from 'typeorm';
import { MutableEntity } from './base';

/**
 * A customer organisation (issue 11). Contacts join one through their company field or an email
 * domain assigned here (trigger `contacts_organisation`, migration 1765300000000).
 */
@Entity('organisations')
// Expression and trigram indexes are created by hand in the migration.
@Index('ux_organisations_name', { synchronize: false })
@Index('ix_organisations_search', { synchronize: false })
@Index('ix_organisations_domains', { synchronize: false })
export class OrganisationEntity extends MutableEntity {
  @Column({ type: 'text' })
  name: string;

  /** Lower-case email domains whose senders belong here when their company field is empty. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  domains: string[];
}
