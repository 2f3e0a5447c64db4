import { JOB_QUEUE, JobName, type QueueService } from '@app/queue';

/** Job id of the settle job of one staging row (a distinct id from its process-inbound job). */
export function settleJobId(inboundMessageId: string): string {
  return `settle-${inboundMessageId}`;
}

/**
 * Enqueues the settle jobs of these staging rows in one round trip. Each keeps its settle job id,
 * so adding one whose job still exists is a no-op.
 */
export async function enqueueSettles(queue: QueueService, inboundMessageIds: string[]): Promise<void> {
  if (inboundMessageIds.length === 0) return;
  await queue.queue(JOB_QUEUE[JobName.SettleInbound]).addBulk(
    inboundMessageIds.map((id) => ({
      name: JobName.SettleInbound,
      data: { inboundMessageId: id },
      opts: { jobId: settleJobId(id) },
    })),
  );
}
