import { InboundMessageEntity, InboundStatus } from '@app/database';
import { JobName, QueueService } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, LessThan, type DataSource } from 'typeorm';

/**
 * A row can be staged and its enqueue lost (crash between the two, queue down, a failed job
 * removed). Re-adding every unfinished row with its own id as job id repairs that; BullMQ ignores
 * the add while the original job still exists, so nothing runs twice in parallel.
 */
@Injectable()
export class RequeueStagedService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
  ) {}

  async requeue(olderThanMs = 0): Promise<number> {
    const rows = await this.dataSource.getRepository(InboundMessageEntity).find({
      select: { id: true },
      where: {
        status: In([InboundStatus.Received, InboundStatus.Processing]),
        createdAt: LessThan(new Date(Date.now() - olderThanMs)),
      },
      take: 10_000,
    });
    for (const row of rows) {
      await this.queue.add({ name: JobName.ProcessInbound, data: { inboundMessageId: row.id } }, { jobId: row.id });
    }
    return rows.length;
  }
}
