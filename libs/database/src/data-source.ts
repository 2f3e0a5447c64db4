import type { AppConfig } from '@app/config';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ALL_MIGRATIONS } from '../../../migrations';
import { ALL_ENTITIES } from './entities';

export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ALL_ENTITIES,
    migrations: ALL_MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    poolSize,
    uuidExtension: 'pgcrypto',
    extra: { application_name: 'intake' },
  };
}

export function createDataSource(url: string, poolSize?: number): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize));
}

/** The database URL in force: DATABASE_URL, or the embedded server started by `startEmbeddedPostgres`. */
export function databaseUrl(config: AppConfig): string {
  if (config.values.DATABASE_URL) return config.values.DATABASE_URL;
  return `postgres://postgres:postgres@127.0.0.1:${config.values.EMBEDDED_PG_PORT}/intake`;
}
