import type { DataSource } from 'typeorm';

interface PgPool {
  query(sql: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Runs a read-only statement straight on the pg pool behind TypeORM. The inbox list and counts
 * are the hottest reads of the app; DataSource.query wraps each call in a QueryRunner (create,
 * connect, log, broadcast, release), which measured about 0.3 ms on a 1 ms query. Same pool, same
 * connection settings, same rows. Falls back to DataSource.query when the driver has no pg pool.
 * Not for writes inside a transaction: those must use the transaction's EntityManager.
 */
export async function pooledQuery<T>(dataSource: DataSource, sql: string, values: unknown[]): Promise<T[]> {
  const pool = (dataSource.driver as { master?: Partial<PgPool> }).master;
  if (typeof pool?.query === 'function') return (await (pool as PgPool).query(sql, values)).rows as T[];
  return dataSource.query<T[]>(sql, values);
}
