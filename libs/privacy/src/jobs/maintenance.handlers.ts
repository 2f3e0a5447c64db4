import { JobHandler, JobName, type JobMeta, type JobOf } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { RetentionRunService } from '../retention/retention-run.service';
import { StatsRollupService, type RollupResult } from '../stats/stats-rollup.service';

/** Handlers of the `maintenance` queue. Results hold counts only. */
@Injectable()
export class MaintenanceHandlers {
  constructor(
    private readonly retention: RetentionRunService,
    private readonly stats: StatsRollupService,
  ) {}

  @JobHandler(JobName.RetentionSweep)
  async retentionSweep(
    data: JobOf<JobName.RetentionSweep>,
    meta: JobMeta,
  ): Promise<{ runId: string; done: Record<string, number> }> {
    const report = await this.retention.run({
      actor: data.trigger === 'manual' ? 'system' : 'scheduler',
      jobId: meta.jobId,
      // Bounded per run; the next run (daily, or a retry) continues with the rest.
      limit: 20_000,
    });
    return { runId: report.runId, done: report.result.done };
  }

  @JobHandler(JobName.StatsRollup)
  async statsRollup(): Promise<RollupResult> {
    return this.stats.rollup();
  }
}
