import { imapErrorCode } from '@app/mail';
import { JobHandler, JobName, QueueName, QueueService } from '@app/queue';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { QuarantineActionError } from './quarantine-action.error';
import { QuarantineActionService } from './quarantine-action.service';
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
    private readonly actions: QuarantineActionService,
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

  /**
   * Each expired row goes the way of `intake quarantine delete`: server copy expunged, row and bytes
   * removed. When its mailbox cannot be reached the bytes are removed anyway (they must not outlive
   * the retention) and the row stays, so the next run expunges the server copy.
   */
  @JobHandler(JobName.ExpireQuarantine)
  handle(): Promise<{ deleted: number; bytesOnly: number }> {
    return this.expire(new Date());
  }

  async expire(now: Date): Promise<{ deleted: number; bytesOnly: number }> {
    let deleted = 0;
    const failed: string[] = [];
    for (const id of await this.quarantine.expiredIds(now)) {
      try {
        await this.actions.delete(id);
        deleted += 1;
      } catch (error) {
        if (error instanceof QuarantineActionError && error.code === 'quarantine_not_found') continue;
        this.logger.warn({ inboundMessageId: id, error: imapErrorCode(error) }, 'quarantine expiry: server copy kept');
        failed.push(id);
      }
    }
    const bytesOnly = await this.quarantine.dropBytes(failed);
    if (deleted + bytesOnly > 0) this.logger.log({ deleted, bytesOnly }, 'expired quarantined messages');
    return { deleted, bytesOnly };
  }
}
