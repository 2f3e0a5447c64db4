import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { TestApp } from '../../support/test-app';

const root = join(__dirname, '..', '..', '..');

/** Runs `intake …` from the TypeScript sources against the test app's database and Redis prefix. */
export function runCli(
  app: TestApp,
  args: string[],
  options: { cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', require.resolve('@swc-node/register'), join(root, 'apps/cli/src/main.ts'), ...args],
      {
        cwd: options.cwd ?? root,
        env: {
          PATH: process.env.PATH ?? '',
          SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
          NODE_ENV: 'test',
          DATABASE_URL: app.database.url,
          REDIS_URL: app.redis.url,
          QUEUE_PREFIX: app.redis.prefix,
          APP_SECRET: app.config.values.APP_SECRET,
          LOG_LEVEL: 'warn',
        },
        maxBuffer: 32 * 1024 * 1024,
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
