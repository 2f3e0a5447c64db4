import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Tickets created and solved per day (UTC) and customer organisation, rolled up with
 * ticket_stats_daily: counts only, keyed by the organisation's id ("none" is the nil UUID).
 */
@Entity('ticket_stats_org_daily')
export class TicketStatsOrgDailyEntity {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ type: 'integer', default: 0 })
  created: number;

  @Column({ type: 'integer', default: 0 })
  solved: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
