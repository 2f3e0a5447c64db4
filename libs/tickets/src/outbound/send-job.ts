import { JOB_QUEUE, JobName, type QueueService } from '@app/queue';

/** The send job of one outbound message. */
export function sendJobId(messageId: string): string {
  return `send-${messageId}`;
}

/** The job id is the message id: enqueueing twice while the job exists adds it once. */
export async function enqueueSend(queue: QueueService, messageId: string): Promise<void> {
  await queue.add({ name: JobName.SendMessage, data: { messageId } }, { jobId: sendJobId(messageId) });
}

/** Many at once (one round trip); each keeps its message id as job id. */
export async function enqueueSends(queue: QueueService, messageIds: string[]): Promise<void> {
  if (messageIds.length === 0) return;
  await queue.queue(JOB_QUEUE[JobName.SendMessage]).addBulk(
    messageIds.map((messageId) => ({
      name: JobName.SendMessage,
      data: { messageId },
      opts: { jobId: sendJobId(messageId) },
    })),
  );
}
