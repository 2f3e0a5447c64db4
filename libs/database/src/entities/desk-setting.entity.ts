import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Desk-wide settings an admin changes in the browser (desk name, public URL, sender address, roles
 * that must use two-factor sign-in). One row per key; the value is JSON.
 */
@Entity('desk_settings')
export class DeskSettingEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_desk_settings' })
  key: string;

  @Column({ type: 'jsonb' })
  value: unknown;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
