import { JobHandler, JobName, QueueName, QueueService } from '@app/queue';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { UploadsService } from './uploads.service';

/** Scheduler id; NEVER RENAME (BullMQ keeps schedulers by id: a renamed one would run twice). */
export const UPLOAD_SWEEP_SCHEDULER = 'sweep-uploads-hourly';

/**
 * Deletes reply uploads that were never attached to a sent message (older than UPLOAD_TTL_HOURS),
 * every hour at minute 41 (a BullMQ job scheduler on the maintenance queue, like retention). A run
 * removes at most 1,000; it repeats while it finds a full batch.
 */
@Injectable()
export class SweepUploadsHandler implements OnApplicationBootstrap {
  private readonly logger = new Logger(SweepUploadsHandler.name);

  constructor(
    private readonly uploads: UploadsService,
    private readonly queues: QueueService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queues
      .queue(QueueName.Maintenance)
      .upsertJobScheduler(
        UPLOAD_SWEEP_SCHEDULER,
        { pattern: '41 * * * *', tz: 'UTC' },
        { name: JobName.SweepUploads, data: {} },
      );
  }

  @JobHandler(JobName.SweepUploads)
  async handle(): Promise<{ removed: number }> {
    let removed = 0;
    for (let batch = await this.uploads.sweep(); ; batch = await this.uploads.sweep()) {
      removed += batch;
      if (batch < 1000) break;
    }
    if (removed > 0) this.logger.log({ removed }, 'unused uploads removed');
    return { removed };
  }
}
