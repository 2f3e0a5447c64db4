import { AppConfig } from '@app/config';
import { JobHandler, JobName, QueueName, QueueService } from '@app/queue';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { NotifyScanService, type ScanResult } from './notify-scan.service';

/** Scheduler id; NEVER RENAME (BullMQ keeps schedulers by id: a renamed one would run twice). */
export const NOTIFY_SCHEDULER = 'notify-scan';

/**
 * Runs the notification scan every NOTIFY_SCAN_SECONDS (a BullMQ job scheduler: upserting is
 * idempotent, every worker may do it, each occurrence runs once across replicas).
 */
@Injectable()
export class NotifyScanHandler implements OnApplicationBootstrap {
  private readonly logger = new Logger(NotifyScanHandler.name);

  constructor(
    private readonly scanner: NotifyScanService,
    private readonly queues: QueueService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const every = this.config.values.NOTIFY_SCAN_SECONDS * 1000;
    await this.queues
      .queue(QueueName.Outbound)
      .upsertJobScheduler(NOTIFY_SCHEDULER, { every }, { name: JobName.NotifyScan, data: {} });
    this.logger.log({ everyMs: every }, 'notification scan scheduled');
  }

  @JobHandler(JobName.NotifyScan)
  async handle(): Promise<ScanResult> {
    return this.scanner.scan();
  }
}
