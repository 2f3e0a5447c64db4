import { InboundStatus } from '@app/database';
import { JobName, QueueService } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * A row can be staged and its enqueue lost (crash between the two, queue down, a failed job
 * removed), or its job can have failed for good while the row stayed unfinished (the database
 * away during the last attempt, so not even the quarantine could be written). Re-adding every
 * unfinished row with its own id as job id repairs both. BullMQ ignores an add while a job with
 * that id exists, so nothing runs twice in parallel; a job that failed for good is kept under the
 * id for QUEUE_FAILED_RETENTION_DAYS and would swallow the add, so those are removed first.
 */
@Injectable()
export class RequeueStagedService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
  ) {}

  async requeue(olderThanMs = 0): Promise<number> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM inbound_messages
        WHERE status IN ($1, $2) AND created_at < now() - ($3 || ' milliseconds')::interval
        ORDER BY created_at LIMIT 10000`,
      [InboundStatus.Received, InboundStatus.Processing, String(olderThanMs)],
    );
    await this.queue.addBulk(
      rows.map((r) => ({ name: JobName.ProcessInbound, data: { inboundMessageId: r.id }, jobId: r.id })),
      { replaceFailed: true },
    );
    return rows.length;
  }
}
