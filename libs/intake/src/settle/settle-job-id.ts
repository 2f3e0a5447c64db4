import { JobName, type QueueService } from '@app/queue';

/** Job id of the settle job of one staging row (a distinct id from its process-inbound job). */
export function settleJobId(inboundMessageId: string): string {
  return `settle-${inboundMessageId}`;
}

/**
 * Enqueues the settle jobs of these staging rows (a round trip per 500). Each keeps its settle job
 * id, so adding one whose job still exists is a no-op. See QueueService.addBulk.
 */
export async function enqueueSettles(
  queue: QueueService,
  inboundMessageIds: string[],
  options: { replaceFailed?: boolean } = {},
): Promise<void> {
  await queue.addBulk(
    inboundMessageIds.map((id) => ({
      name: JobName.SettleInbound,
      data: { inboundMessageId: id },
      jobId: settleJobId(id),
    })),
    options,
  );
}
