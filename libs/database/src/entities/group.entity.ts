import { Column, Entity, Index } from 'typeorm';
import { MutableEntity } from './base';

/** A team that tickets can be routed to. */
@Entity('groups')
@Index('ux_groups_name', ['name'], { unique: true })
export class GroupEntity extends MutableEntity {
  @Column({ type: 'text' })
  name: string;
}
