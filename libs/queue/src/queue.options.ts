import type { AppConfig } from '@app/config';
import type { DefaultJobOptions } from 'bullmq';

/**
 * Every job: retried with exponential backoff; removed once completed (its payload is only ids,
 * but a completed job has no reason to stay); failed jobs kept for QUEUE_FAILED_RETENTION_DAYS so
 * operators can see and retry them, then removed.
 */
export function defaultJobOptions(config: AppConfig): DefaultJobOptions {
  return {
    attempts: config.values.QUEUE_ATTEMPTS,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: true,
    removeOnFail: { age: config.values.QUEUE_FAILED_RETENTION_DAYS * 24 * 3600 },
  };
}

/**
 * Options of every queue consumer (worker). A worker that dies (SIGKILL, out of memory, a lost
 * host) leaves its active jobs locked until the lock expires, and BullMQ's stall check then needs
 * two passes `stalledInterval` apart, in a worker that stays up that long, to move them back to
 * waiting. With BullMQ's defaults (a 30 s lock, a check every 30 s) a desk whose workers restart
 * often can leave a job active for many minutes: the full chaos soak saw 25, with workers killed
 * before a check came round. Here the lock lasts 15 s (renewed every 7.5 s while the job runs) and
 * the check runs every 5 s; a job may stall three times before it fails, and the periodic re-queue
 * re-adds a failed one. A job taken back from a worker that was only slow runs again harmlessly:
 * every handler claims its row (intake, sends) before acting.
 */
export const WORKER_OPTIONS = { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 3 };
