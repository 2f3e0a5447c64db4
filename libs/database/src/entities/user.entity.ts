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

  /** The TOTP secret, AES-256-GCM encrypted like mailbox passwords; set while enrolling or enrolled. */
  @Column({ name: 'totp_secret_encrypted', type: 'text', nullable: true })
  totpSecretEncrypted: string | null;

  /** Two-factor sign-in is on once the user confirmed a first code. */
  @Column({ name: 'totp_enabled', type: 'boolean', default: false })
  totpEnabled: boolean;

  /** The last accepted TOTP time step, so a code cannot be replayed within its window. */
  @Column({ name: 'totp_last_step', type: 'bigint', nullable: true })
  totpLastStep: string | null;
}
