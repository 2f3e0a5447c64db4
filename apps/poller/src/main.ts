import 'reflect-metadata';
import { ObservabilityModule, PlatformModule, runProcess } from '@app/platform';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { PollerModule } from './poller.module';

void runProcess('poller', async (config, infra) => {
  // /health and /metrics on a port of its own (POLLER_METRICS_PORT, default 9465; 0 = off).
  const observability = ObservabilityModule.forProcess('poller', config.values.POLLER_METRICS_PORT ?? 9465);
  @Module({ imports: [PlatformModule.forRoot(config, infra.databaseUrl), PollerModule, observability] })
  class PollerRoot {}
  const app = await NestFactory.createApplicationContext(PollerRoot, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  return app;
});
