import 'reflect-metadata';
import { PlatformModule, runProcess } from '@app/platform';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

void runProcess('worker', async (config, infra) => {
  @Module({ imports: [PlatformModule.forRoot(config, infra.databaseUrl), WorkerModule] })
  class WorkerRoot {}
  const app = await NestFactory.createApplicationContext(WorkerRoot, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  return app;
});
