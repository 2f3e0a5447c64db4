import { DeliveryStatus, MessageDirection } from '@app/database';
import { JobName, QueueService } from '@app/queue';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { enqueueSends, sendJobId } from './send-job';

/**
 * An acknowledgement younger than this may still be being sent by the worker that committed it
 * (the SMTP socket timeout is 30 s).
 */
export const IN_OTHER_HANDS_MS = 60_000;

/**
 * At worker start, re-enqueues outbound messages still `queued`/`sending`: a crash between the
 * commit of a reply and its enqueue (or a job lost with a wiped Redis) must not leave a reply
 * unsent forever. The job id is the message id, so a job that still exists is not added twice.
 * A send job that failed for good while its row stayed unsent (the database away on the last
 * attempt, a job stalled twice) is kept under that id for QUEUE_FAILED_RETENTION_DAYS and would
 * swallow the add, so it is replaced (QueueService.addBulk's replaceFailed). Acknowledgements younger
 * than IN_OTHER_HANDS_MS get a job delayed until they are that old.
 */
@Injectable()
export class RequeueOutbound implements OnApplicationBootstrap {
  private readonly logger = new Logger(RequeueOutbound.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const rows = await this.dataSource.query<Array<{ id: string; auto_submitted: boolean; age_ms: number }>>(
      `SELECT id, auto_submitted, (extract(epoch FROM now() - created_at) * 1000)::float8 AS age_ms
         FROM messages
        WHERE direction = $1 AND NOT internal AND delivery_status IN ($2, $3)
        ORDER BY created_at ASC LIMIT 10000`,
      [MessageDirection.Out, DeliveryStatus.Queued, DeliveryStatus.Sending],
    );
    // A young acknowledgement may be in another worker's hands right now (AcknowledgementSender
    // sends them without a job): its job waits until that send is surely over, or the `sending`
    // it is caught in would read as an interrupted send and be marked failed.
    const isYoung = (r: (typeof rows)[number]) => r.auto_submitted && r.age_ms < IN_OTHER_HANDS_MS;
    const young = rows.filter(isYoung);
    await enqueueSends(
      this.queue,
      rows.filter((r) => !isYoung(r)).map((r) => r.id),
      { replaceFailed: true },
    );
    for (const row of young) {
      await this.queue.add(
        { name: JobName.SendMessage, data: { messageId: row.id } },
        { jobId: sendJobId(row.id), delay: Math.ceil(IN_OTHER_HANDS_MS - row.age_ms) },
      );
    }
    if (rows.length > 0)
      this.logger.log({ count: rows.length, delayed: young.length }, 're-enqueued outbound messages');
  }
}
