import type { AppConfig } from '@app/config';
import { createDataSource, databaseUrl, runMigrations, startEmbeddedPostgres } from '@app/database';

export interface Infrastructure {
  databaseUrl: string;
  /** Stops what this process started (the embedded PostgreSQL); no-op otherwise. */
  stop(): Promise<void>;
}

/**
 * Brings up what the process needs before Nest starts: the embedded PostgreSQL when no
 * DATABASE_URL is set, then migrations (under an advisory lock, so replicas may start together).
 */
export async function prepareInfrastructure(config: AppConfig, options: { migrate: boolean }): Promise<Infrastructure> {
  let stopEmbedded: (() => Promise<void>) | null = null;
  let url = databaseUrl(config);
  if (config.embeddedDatabase) {
    const embedded = await startEmbeddedPostgres(config.values.EMBEDDED_PG_DIR, config.values.EMBEDDED_PG_PORT);
    url = embedded.url;
    stopEmbedded = embedded.stop;
  }
  if (options.migrate) {
    // Two connections: one holds the advisory lock while the other runs the migrations.
    const ds = createDataSource(url, 2);
    await ds.initialize();
    try {
      await runMigrations(ds);
    } finally {
      await ds.destroy();
    }
  }
  return { databaseUrl: url, stop: async () => stopEmbedded?.() };
}
