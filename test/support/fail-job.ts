import { waitFor } from '@app/testing';
import { Worker, type Queue } from 'bullmq';
import Redis from 'ioredis';
import type { TestApp } from './test-app';

/**
 * Runs the queue's waiting jobs through a worker whose every attempt throws (as one would while
 * the database is away) until the job `jobId` has failed for good. Start the app with
 * QUEUE_ATTEMPTS=1 and no worker of its own.
 */
export async function failJobForGood(app: TestApp, queue: Queue, jobId: string): Promise<void> {
  const connection = new Redis(app.redis.url, { maxRetriesPerRequest: null });
  const worker = new Worker(
    queue.name,
    async () => {
      throw new Error('database away');
    },
    { connection, prefix: app.redis.prefix },
  );
  try {
    await waitFor(async () => (await queue.getJobState(jobId)) === 'failed' || undefined, {
      what: `job ${jobId} to fail`,
    });
  } finally {
    await worker.close();
    await connection.quit();
  }
}
