import { ConfigError, loadConfig, type AppConfig } from '@app/config';
import { EmbeddedPostgresError } from '@app/database';
import type { INestApplicationContext } from '@nestjs/common';
import { writeDatabaseNote } from './database-note';
import { prepareInfrastructure, type Infrastructure } from './infrastructure';

export interface StartedProcess {
  app: INestApplicationContext;
  infrastructure: Infrastructure;
}

/**
 * Common `main()` of every Intake process: validated config (one clear line and exit 1 when
 * invalid), infrastructure, the Nest app, and a bounded graceful shutdown on SIGTERM/SIGINT.
 */
export async function runProcess(
  name: string,
  create: (config: AppConfig, infrastructure: Infrastructure) => Promise<INestApplicationContext>,
  options: { migrate: boolean } = { migrate: true },
): Promise<StartedProcess | undefined> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`intake ${name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  let infrastructure: Infrastructure;
  try {
    infrastructure = await prepareInfrastructure(config, options);
  } catch (error) {
    // What the operator can fix (the embedded PostgreSQL cannot start here) is one line, not a trace.
    if (error instanceof EmbeddedPostgresError) {
      process.stderr.write(`intake ${name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Outside production: the CLI run from this folder finds the same database (in production the
  // CLI runs with the server's environment, e.g. `docker compose exec api …`).
  if (!config.production) writeDatabaseNote(config, infrastructure.databaseUrl);
  const app = await create(config, infrastructure);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`intake ${name}: ${signal} received, finishing in-flight work\n`);
    // Nothing is half-written: jobs commit in one transaction; an unfinished one is retried later.
    const timer = setTimeout(() => {
      process.stderr.write(`intake ${name}: shutdown timed out after ${config.values.SHUTDOWN_TIMEOUT_MS} ms\n`);
      process.exit(1);
    }, config.values.SHUTDOWN_TIMEOUT_MS + 5000);
    timer.unref();
    void app
      .close()
      .then(() => infrastructure.stop())
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return { app, infrastructure };
}
