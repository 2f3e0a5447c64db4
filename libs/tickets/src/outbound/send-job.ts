import { JobName, type QueueService } from '@app/queue';

/** The job id is the message id: enqueueing twice while the job exists adds it once. */
export async function enqueueSend(queue: QueueService, messageId: string): Promise<void> {
  await queue.add({ name: JobName.SendMessage, data: { messageId } }, { jobId: `send-${messageId}` });
}
