import { DeliveryStatus, MessageDirection, MessageEntity } from '@app/database';
import { JOB_QUEUE, JobName, QueueService } from '@app/queue';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import { enqueueSends, sendJobId } from './send-job';

/** Messages re-enqueued per round trip. */
const CHUNK = 500;

/**
 * At worker start, re-enqueues outbound messages still `queued`/`sending`: a crash between the
 * commit of a reply and its enqueue (or a job lost with a wiped Redis) must not leave a reply
 * unsent forever. The job id is the message id, so a job that still exists is not added twice.
 * A send job that failed for good while its row stayed unsent (the database away on the last
 * attempt, a job stalled twice) is kept under that id for QUEUE_FAILED_RETENTION_DAYS and would
 * swallow the add, so those are removed first.
 */
@Injectable()
export class RequeueOutbound implements OnApplicationBootstrap {
  private readonly logger = new Logger(RequeueOutbound.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const rows = await this.dataSource.getRepository(MessageEntity).find({
      select: { id: true },
      where: {
        direction: MessageDirection.Out,
        internal: false,
        deliveryStatus: In([DeliveryStatus.Queued, DeliveryStatus.Sending]),
      },
      order: { createdAt: 'ASC' },
      take: 10_000,
    });
    const queue = this.queue.queue(JOB_QUEUE[JobName.SendMessage]);
    const anyFailed = rows.length > 0 && (await queue.getFailedCount()) > 0;
    for (let i = 0; i < rows.length; i += CHUNK) {
      const ids = rows.slice(i, i + CHUNK).map((row) => row.id);
      if (anyFailed) {
        const states = await Promise.all(ids.map((id) => queue.getJobState(sendJobId(id))));
        await Promise.all(
          ids.filter((_, k) => states[k] === 'failed').map((id) => queue.remove(sendJobId(id)).catch(() => 0)),
        );
      }
      await enqueueSends(this.queue, ids);
    }
    if (rows.length > 0) this.logger.log({ count: rows.length }, 're-enqueued outbound messages');
  }
}
