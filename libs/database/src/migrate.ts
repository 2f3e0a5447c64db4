import type { DataSource } from 'typeorm';

// Any fixed number: all Intake processes agree on it so only one runs migrations at a time.
const MIGRATION_LOCK = 7_117_001;

/** Runs pending migrations under an advisory lock, so replicas starting together do not race. */
export async function runMigrations(dataSource: DataSource): Promise<number> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const done = await dataSource.runMigrations({ transaction: 'each' });
    return done.length;
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
