import type { AppConfig } from '@app/config';

export type CrashPoint = 'after-parse' | 'after-commit' | 'after-settle';

/**
 * TEST ONLY. The fault tests set INTAKE_TEST_CRASH_AT so a worker process kills itself (SIGKILL,
 * no cleanup) at that point of the email path, then check that a restarted worker still ends with
 * exactly one ticket per message. Unset in real use: then this does nothing.
 */
export function crashPoint(config: AppConfig, point: CrashPoint): void {
  if (config.values.INTAKE_TEST_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
