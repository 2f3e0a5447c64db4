import 'reflect-metadata';
import { PlatformModule, runProcess } from '@app/platform';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { PollerModule } from './poller.module';

void runProcess('poller', async (config, infra) => {
  @Module({ imports: [PlatformModule.forRoot(config, infra.databaseUrl), PollerModule] })
  class PollerRoot {}
  const app = await NestFactory.createApplicationContext(PollerRoot, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  return app;
});
