import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Audit record of one real retention run: who started it, the policy in force, what was planned
 * and what was done, as counts per data class. Holds no personal data (no ids of people either).
 */
@Entity('retention_runs')
@Index('ix_retention_runs_created', ['createdAt'])
@Index('ix_retention_runs_job', ['jobId'])
export class RetentionRunEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** running, completed, failed */
  @Column({ type: 'text' })
  status: string;

  /** "scheduler", "cli" or "user:<id>". */
  @Column({ type: 'text' })
  actor: string;

  /** The queue job that runs it (scheduled runs), so a retried job continues the same record. */
  @Column({ name: 'job_id', type: 'text', nullable: true })
  jobId: string | null;

  @Column({ type: 'jsonb' })
  policy: unknown;

  @Column({ type: 'jsonb' })
  planned: Record<string, number>;

  @Column({ type: 'jsonb' })
  done: Record<string, number>;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  skipped: Record<string, number>;
}
