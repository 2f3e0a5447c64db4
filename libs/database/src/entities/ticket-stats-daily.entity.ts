import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

const bigintNumber = { to: (v: number) => v, from: (v: string | null) => (v === null ? 0 : Number(v)) };

/**
 * Aggregated, non-personal ticket statistics per day (UTC), channel, mailbox and group. Written by
 * the stats rollup from history; never touched by retention or erasure, so reports survive both.
 * "No mailbox" and "no group" are the nil UUID, so the key has no NULLs.
 * Time distributions are histograms over STATS_BUCKET_SECONDS (libs/privacy), plus count and sum.
 */
@Entity('ticket_stats_daily')
export class TicketStatsDailyEntity {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn({ type: 'text' })
  channel: string;

  @PrimaryColumn({ name: 'mailbox_id', type: 'uuid' })
  mailboxId: string;

  @PrimaryColumn({ name: 'group_id', type: 'uuid' })
  groupId: string;

  @Column({ type: 'integer', default: 0 })
  created: number;

  @Column({ type: 'integer', default: 0 })
  solved: number;

  @Column({ type: 'integer', default: 0 })
  reopened: number;

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

  /** First responses and resolutions of tickets that had an SLA due time, and how many came late. */
  @Column({ name: 'first_response_due', type: 'integer', default: 0 })
  firstResponseDue: number;

  @Column({ name: 'first_response_breached', type: 'integer', default: 0 })
  firstResponseBreached: number;

  @Column({ name: 'resolution_due', type: 'integer', default: 0 })
  resolutionDue: number;

  @Column({ name: 'resolution_breached', type: 'integer', default: 0 })
  resolutionBreached: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
