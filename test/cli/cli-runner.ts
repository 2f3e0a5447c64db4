import { createDataSource, runMigrations } from '@app/database';
import type { TestDatabase, TestRedis } from '@app/testing';
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'intake.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `intake` CLI as operators do: a real child process against the test's own database and
 * Redis prefix, with nothing else from the test's environment.
 */
export function cliRunner(target: () => { database: TestDatabase; redis: TestRedis }) {
  return (args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> =>
    new Promise((resolve) => {
      const { database, redis } = target();
      execFile(
        process.execPath,
        [BIN, ...args],
        {
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            DATABASE_URL: database.url,
            REDIS_URL: redis.url,
            QUEUE_PREFIX: redis.prefix,
            APP_SECRET: 'cli-test-secret-cli-test-secret-0000',
            ...env,
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
}

/** The CLI migrates on its own; doing it first lets each test run alone (jest -t). */
export async function migrate(database: TestDatabase): Promise<void> {
  const migrator = createDataSource(database.url, 2);
  await migrator.initialize();
  await runMigrations(migrator);
  await migrator.destroy();
}
