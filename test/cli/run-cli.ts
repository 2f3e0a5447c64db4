import { createDataSource, runMigrations } from '@app/database';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@app/testing';
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'intake.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliHarness {
  database: TestDatabase;
  redis: TestRedis;
  run(args: string[], env?: Record<string, string | undefined>): Promise<CliRun>;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database and a Redis prefix, and `run` for the `intake` CLI as operators run
 * it: a real child process against them.
 */
export async function cliHarness(name: string): Promise<CliHarness> {
  const database = await createTestDatabase(name);
  const redis = createTestRedis(name);
  // The CLI migrates on its own; doing it here lets each test run alone (jest -t).
  const migrator = createDataSource(database.url, 2);
  await migrator.initialize();
  await runMigrations(migrator);
  await migrator.destroy();
  const run = (args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> =>
    new Promise((resolve) => {
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
  return {
    database,
    redis,
    run,
    drop: async () => {
      await redis.drop();
      await database.drop();
    },
  };
}
