import { Column, Entity, Index } from 'typeorm';
import { MutableEntity } from './base';
import { UserRole } from './enums';

/** A member of staff: agent, supervisor or admin. */
@Entity('users')
@Index('ux_users_email', ['email'], { unique: true })
export class UserEntity extends MutableEntity {
  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'enum', enum: UserRole, enumName: 'user_role', default: UserRole.Agent })
  role: UserRole;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'boolean', default: true })
  active: boolean;
}
