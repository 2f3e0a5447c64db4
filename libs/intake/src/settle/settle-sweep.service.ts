import { InboundStatus } from '@app/database';
import { JOB_QUEUE, JobName, QueueService } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { enqueueSettles, settleJobId } from './settle-job-id';

/**
 * Repairs a lost settle enqueue (a crash between commit and enqueue, or a settle job that gave
 * up): re-adds the settle job of every committed, unsettled email of a mailbox. The job id
 * makes a re-add a no-op while the original job still exists.
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
    const ids = rows.map((row) => row.id);
    // A settle job that gave up stays as failed under its job id (QUEUE_FAILED_RETENTION_DAYS) and
    // would swallow the re-add: remove those first. Waiting, delayed or active ones are left be.
    // One count first: usually no job of the queue has failed, and then no id needs looking up.
    const queue = this.queue.queue(JOB_QUEUE[JobName.SettleInbound]);
    if (ids.length > 0 && (await queue.getFailedCount()) > 0) {
      const states = await Promise.all(ids.map((id) => queue.getJobState(settleJobId(id))));
      await Promise.all(
        ids.filter((_, i) => states[i] === 'failed').map((id) => queue.remove(settleJobId(id)).catch(() => 0)),
      );
    }
    await enqueueSettles(this.queue, ids);
    return rows.length;
  }
}
