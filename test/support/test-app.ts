import { loadConfig, type AppConfig } from '@app/config';
import { createDataSource, runMigrations } from '@app/database';
import { PlatformModule } from '@app/platform';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@app/testing';
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ApiModule } from '../../apps/api/src/api.module';
import { setupApp } from '../../apps/api/src/setup-app';
import { WorkerModule } from '../../apps/worker/src/worker.module';

export interface TestAppOptions {
  api?: boolean;
  worker?: boolean;
  extraModules?: Array<Type | DynamicModule>;
  /** A value of undefined removes the variable (REDIS_URL: undefined runs the queues on PostgreSQL). */
  env?: Record<string, string | undefined>;
}

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  baseUrl: string;
  dataSource: DataSource;
  database: TestDatabase;
  redis: TestRedis;
  close(): Promise<void>;
}

/**
 * Boots api and/or worker in-process against a fresh database and a Redis key prefix of their own
 * (real PostgreSQL and Redis on the machine). `close()` stops the app and drops both.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const redis = createTestRedis();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    APP_SECRET: 'test-secret-test-secret-test-secret-000',
    LOG_LEVEL: 'silent',
    QUEUE_ATTEMPTS: '3',
    ...options.env,
  });
  const migrator = createDataSource(database.url, 2);
  await migrator.initialize();
  await runMigrations(migrator);
  await migrator.destroy();

  const imports: Array<Type | DynamicModule> = [PlatformModule.forRoot(config, database.url)];
  if (options.api !== false) imports.push(ApiModule);
  if (options.worker) imports.push(WorkerModule);
  imports.push(...(options.extraModules ?? []));
  @Module({ imports })
  class TestRoot {}
  const app = await NestFactory.create<NestExpressApplication>(TestRoot, { logger: false, bodyParser: false });
  setupApp(app, config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${address.port}`,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    database,
    redis,
    close: async () => {
      await app.close();
      await redis.drop();
      await database.drop();
    },
  };
}
