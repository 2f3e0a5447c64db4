// First: the heap mode is set before any module is loaded (memory-saver.ts says why).
import './memory-saver';
import 'reflect-metadata';
import { lowerCpuPriority, ObservabilityModule, PlatformModule, runProcess } from '@app/platform';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

void runProcess('worker', async (config, infra) => {
  // Background work yields to the api on a shared machine (WORKER_NICE); before Nest starts, so the
  // threads it starts later inherit it.
  lowerCpuPriority(config.values.WORKER_NICE);
  // /health and /metrics on a port of its own (WORKER_METRICS_PORT, default 9464; 0 = off).
  const observability = ObservabilityModule.forProcess('worker', config.values.WORKER_METRICS_PORT ?? 9464);
  @Module({ imports: [PlatformModule.forRoot(config, infra.databaseUrl), WorkerModule, observability] })
  class WorkerRoot {}
  const app = await NestFactory.createApplicationContext(WorkerRoot, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  return app;
});
