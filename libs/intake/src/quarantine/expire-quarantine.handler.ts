import { JobHandler, JobName, QueueName, QueueService } from '@app/queue';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { QuarantineService } from './quarantine.service';

const EVERY_MS = 3600_000;

/**
 * Handles the scheduled `expire-quarantine` job. The schedule lives in the queue (a BullMQ job
 * scheduler, upserted by every worker at start), so several workers never run it twice at once.
 */
@Injectable()
export class ExpireQuarantineHandler implements OnApplicationBootstrap {
  private readonly logger = new Logger(ExpireQuarantineHandler.name);

  constructor(
    private readonly quarantine: QuarantineService,
    private readonly queue: QueueService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.queue
        .queue(QueueName.ImapSettle)
        .upsertJobScheduler(
          JobName.ExpireQuarantine,
          { every: EVERY_MS },
          { name: JobName.ExpireQuarantine, data: {} },
        );
    } catch (error) {
      this.logger.warn(
        { error: error instanceof Error ? error.name : 'unknown' },
        'could not schedule quarantine expiry',
      );
    }
  }

  @JobHandler(JobName.ExpireQuarantine)
  async handle(): Promise<{ deleted: number }> {
    return { deleted: await this.quarantine.expire() };
  }
}
