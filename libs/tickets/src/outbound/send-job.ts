import { JobName, type QueueService } from '@app/queue';

/** The send job of one outbound message. */
export function sendJobId(messageId: string): string {
  return `send-${messageId}`;
}

/** The job id is the message id: enqueueing twice while the job exists adds it once. */
export async function enqueueSend(queue: QueueService, messageId: string): Promise<void> {
  await queue.add({ name: JobName.SendMessage, data: { messageId } }, { jobId: sendJobId(messageId) });
}

/** Many at once (a round trip per 500); each keeps its message id as job id. See QueueService.addBulk. */
export async function enqueueSends(
  queue: QueueService,
  messageIds: string[],
  options: { replaceFailed?: boolean } = {},
): Promise<void> {
  await queue.addBulk(
    messageIds.map((messageId) => ({
      name: JobName.SendMessage,
      data: { messageId },
      jobId: sendJobId(messageId),
    })),
    options,
  );
}
