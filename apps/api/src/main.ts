import 'reflect-metadata';
import { PlatformModule, runProcess } from '@app/platform';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { ApiModule } from './api.module';
import { setupApp } from './setup-app';

void runProcess('api', async (config, infra) => {
  @Module({ imports: [PlatformModule.forRoot(config, infra.databaseUrl), ApiModule] })
  class ApiRoot {}
  const app = await NestFactory.create<NestExpressApplication>(ApiRoot, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  setupApp(app, config);
  await app.listen(config.values.PORT, config.values.HOST);
  return app;
});
