import { JobName, QueueName, QueueService } from '@app/queue';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';

/** Scheduler ids; NEVER RENAME (BullMQ keeps schedulers by id: a renamed one would run twice). */
export const RETENTION_SCHEDULER = 'retention-daily';
export const STATS_SCHEDULER = 'stats-every-minute';
export const MAINTENANCE_SCHEDULERS = [RETENTION_SCHEDULER, STATS_SCHEDULER];

/**
 * Registers the repeatable maintenance jobs (BullMQ job schedulers). Upserting is idempotent, so
 * every worker replica may do it on start; BullMQ runs each occurrence once across replicas.
 */
@Injectable()
export class MaintenanceScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceScheduler.name);

  constructor(private readonly queues: QueueService) {}

  async onApplicationBootstrap(): Promise<void> {
    const queue = this.queues.queue(QueueName.Maintenance);
    // 03:17 UTC: off-peak, and not on the hour when other cron jobs pile up.
    await queue.upsertJobScheduler(
      RETENTION_SCHEDULER,
      { pattern: '17 3 * * *', tz: 'UTC' },
      { name: JobName.RetentionSweep, data: { trigger: 'schedule' } },
    );
    await queue.upsertJobScheduler(STATS_SCHEDULER, { every: 60_000 }, { name: JobName.StatsRollup, data: {} });
    this.logger.log({ schedulers: MAINTENANCE_SCHEDULERS }, 'maintenance schedules registered');
  }
}
