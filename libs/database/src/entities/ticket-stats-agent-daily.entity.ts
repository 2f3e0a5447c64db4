import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

const bigintNumber = { to: (v: number) => v, from: (v: string | null) => (v === null ? 0 : Number(v)) };

/**
 * Per-agent statistics per day (UTC), rolled up with ticket_stats_daily: replies written, tickets
 * solved, and the first-response and resolution times credited to the agent. The key is a staff
 * user id (not customer data); the row holds counts and histograms only, so it survives retention
 * and erasure like the daily table. "No agent" is the nil UUID.
 */
@Entity('ticket_stats_agent_daily')
export class TicketStatsAgentDailyEntity {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn({ name: 'agent_id', type: 'uuid' })
  agentId: string;

  @Column({ type: 'integer', default: 0 })
  replies: number;

  @Column({ type: 'integer', default: 0 })
  solved: number;

  @Column({ name: 'first_response_count', type: 'integer', default: 0 })
  firstResponseCount: number;

  @Column({ name: 'first_response_seconds', type: 'bigint', default: 0, transformer: bigintNumber })
  firstResponseSeconds: number;

  @Column({ name: 'first_response_buckets', type: 'integer', array: true, default: () => "'{}'" })
  firstResponseBuckets: number[];

  @Column({ name: 'resolution_count', type: 'integer', default: 0 })
  resolutionCount: number;

  @Column({ name: 'resolution_seconds', type: 'bigint', default: 0, transformer: bigintNumber })
  resolutionSeconds: number;

  @Column({ name: 'resolution_buckets', type: 'integer', array: true, default: () => "'{}'" })
  resolutionBuckets: number[];

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
