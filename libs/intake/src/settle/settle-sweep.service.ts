import { InboundStatus } from '@app/database';
import { QueueService } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { enqueueSettles } from './settle-job-id';

/**
 * Repairs a lost settle enqueue (a crash between commit and enqueue, or a settle job that gave
 * up): re-adds the settle job of every committed, unsettled email of a mailbox. The job id
 * makes a re-add a no-op while the original job still exists; one that failed for good is
 * replaced (QueueService.addBulk's replaceFailed).
 */
@Injectable()
export class SettleSweepService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
  ) {}

  async sweep(mailboxId: string, olderThanMs = 5_000): Promise<number> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM inbound_messages
        WHERE mailbox_id = $1 AND settled_at IS NULL AND status IN ($2, $3)
          AND COALESCE(processed_at, quarantined_at, created_at) < now() - ($4 || ' milliseconds')::interval
        LIMIT 1000`,
      [mailboxId, InboundStatus.Processed, InboundStatus.Quarantined, String(olderThanMs)],
    );
    // replaceFailed: a settle job that gave up would otherwise swallow the re-add.
    await enqueueSettles(
      this.queue,
      rows.map((row) => row.id),
      { replaceFailed: true },
    );
    return rows.length;
  }
}
