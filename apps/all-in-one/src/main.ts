import 'reflect-metadata';
import { ObservabilityModule, PlatformModule, runProcess } from '@app/platform';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { ApiModule } from '../../api/src/api.module';
import { setupApp } from '../../api/src/setup-app';
import { PollerModule } from '../../poller/src/poller.module';
import { WorkerModule } from '../../worker/src/worker.module';

/** api + worker + poller in one process: for small installs and first runs. */
void runProcess('all-in-one', async (config, infra) => {
  // The api serves /health and /metrics on PORT; the worker's and poller's own ports only when set.
  const observability = [
    ObservabilityModule.forProcess('worker', config.values.WORKER_METRICS_PORT),
    ObservabilityModule.forProcess('poller', config.values.POLLER_METRICS_PORT),
  ];
  @Module({
    imports: [
      PlatformModule.forRoot(config, infra.databaseUrl),
      ApiModule,
      WorkerModule,
      PollerModule,
      ...observability,
    ],
  })
  class AllInOneRoot {}
  const app = await NestFactory.create<NestExpressApplication>(AllInOneRoot, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  setupApp(app, config);
  await app.listen(config.values.PORT, config.values.HOST);
  process.stderr.write(
    `intake: listening on http://${config.values.HOST}:${config.values.PORT} (form at /support, API docs at /api/docs)\n`,
  );
  return app;
});
