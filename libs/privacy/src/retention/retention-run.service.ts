import { AuditService } from '@app/audit';
import { RetentionRunEntity } from '@app/database';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { toAuditActor, type Actor } from '../actor';
import { planCounts, type RetentionPlan } from './retention-plan';
import { RetentionExecutor, type ExecutionResult, type ProgressListener } from './retention-executor.service';
import { RetentionPlanner, type PlanOptions } from './retention-planner.service';

export interface RunOptions extends PlanOptions {
  actor: Actor;
  /** The queue job running this, so a retried job continues the same audit record. */
  jobId?: string;
  onProgress?: ProgressListener;
}

export interface RunReport {
  runId: string;
  plan: RetentionPlan;
  result: ExecutionResult;
}

/**
 * A real retention run: plan, execute exactly that plan, and keep one audit record (actor,
 * policy, planned and done counts; no ids, no personal data) in retention_runs.
 */
@Injectable()
export class RetentionRunService {
  private readonly logger = new Logger(RetentionRunService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly planner: RetentionPlanner,
    private readonly executor: RetentionExecutor,
    private readonly audit: AuditService,
  ) {}

  dryRun(options: PlanOptions = {}): Promise<RetentionPlan> {
    return this.planner.plan(options);
  }

  async run(options: RunOptions): Promise<RunReport> {
    const plan = await this.planner.plan(options);
    return this.execute(plan, options);
  }

  /** Executes a plan computed earlier (e.g. the one a dry run showed and an operator approved). */
  async execute(plan: RetentionPlan, options: Omit<RunOptions, 'now' | 'limit'>): Promise<RunReport> {
    const runs = this.dataSource.getRepository(RetentionRunEntity);
    const planned = planCounts(plan);
    // A retried job continues its record: `planned` stays the first plan, `done` accumulates.
    let run = options.jobId ? await runs.findOne({ where: { jobId: options.jobId, status: 'running' } }) : null;
    if (!run) {
      run = await runs.save({
        status: 'running',
        actor: options.actor,
        jobId: options.jobId ?? null,
        policy: plan.policy,
        planned,
        done: {},
        skipped: {},
      });
    }
    const previous = { done: run.done, skipped: run.skipped };
    try {
      const result = await this.executor.execute(plan, options.onProgress);
      const done = sumCounts(previous.done, result.done);
      const skipped = sumCounts(previous.skipped, result.skipped);
      await this.dataSource.transaction(async (m) => {
        await m
          .getRepository(RetentionRunEntity)
          .update({ id: run.id }, { status: 'completed', finishedAt: new Date(), done, skipped });
        // Counts per class only: the run's record in retention_runs holds the policy in force.
        await this.audit.record(
          {
            actor: toAuditActor(options.actor),
            action: 'retention.run_completed',
            target: { type: 'retention_run', id: run.id },
            details: { done, skipped },
          },
          m,
        );
      });
      this.logger.log({ runId: run.id, done: result.done, skipped: result.skipped }, 'retention run completed');
      return { runId: run.id, plan, result };
    } catch (error) {
      await runs.update({ id: run.id }, { status: options.jobId ? 'running' : 'failed' }).catch(() => undefined);
      throw error;
    }
  }

  async recent(limit = 20): Promise<RetentionRunEntity[]> {
    return this.dataSource.getRepository(RetentionRunEntity).find({ order: { createdAt: 'DESC' }, take: limit });
  }
}

function sumCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}
