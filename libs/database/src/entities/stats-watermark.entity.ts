import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** How far the stats rollup has read (history_events.id); locked while a rollup runs. */
@Entity('stats_watermarks')
export class StatsWatermarkEntity {
  @PrimaryColumn({ type: 'text' })
  name: string;

  @Column({ name: 'last_history_id', type: 'bigint', default: 0 })
  lastHistoryId: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
