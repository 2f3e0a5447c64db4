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
