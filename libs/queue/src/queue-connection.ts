import type { AppConfig } from '@app/config';
import { createPostgresBackend, setDefaultBackendFactory, type QueueOptions } from 'bullmq';

/**
 * Connection options for BullMQ. With REDIS_URL: Redis through ioredis, keys under QUEUE_PREFIX.
 * Without: BullMQ's PostgreSQL backend in the schema `<prefix>_queue` of the given database, so a
 * first run needs nothing but the embedded PostgreSQL.
 */
export function queueConnection(config: AppConfig, databaseUrl: string): Pick<QueueOptions, 'connection' | 'prefix'> {
  if (config.values.REDIS_URL) {
    return {
      connection: { url: config.values.REDIS_URL, maxRetriesPerRequest: null },
      prefix: config.values.QUEUE_PREFIX,
    };
  }
  // Process-wide: every Queue and Worker created after this talks to PostgreSQL.
  setDefaultBackendFactory(createPostgresBackend);
  return {
    connection: {
      connectionString: databaseUrl,
      schema: `${config.values.QUEUE_PREFIX.replace(/-/g, '_')}_queue`,
      migrate: true,
      max: 5,
    },
  };
}
