import { DeliveryStatus, MessageDirection, MessageEntity } from '@app/database';
import { QueueService } from '@app/queue';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import { enqueueSends } from './send-job';

/**
 * At worker start, re-enqueues outbound messages still `queued`/`sending`: a crash between the
 * commit of a reply and its enqueue (or a job lost with a wiped Redis) must not leave a reply
 * unsent forever. The job id is the message id, so a job that still exists is not added twice.
 * A send job that failed for good while its row stayed unsent (the database away on the last
 * attempt, a job stalled twice) is kept under that id for QUEUE_FAILED_RETENTION_DAYS and would
 * swallow the add, so it is replaced (QueueService.addBulk's replaceFailed).
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
    await enqueueSends(
      this.queue,
      rows.map((row) => row.id),
      { replaceFailed: true },
    );
    if (rows.length > 0) this.logger.log({ count: rows.length }, 're-enqueued outbound messages');
  }
}
