import { AppConfig } from '@app/config';
import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobDispatcher } from './job-dispatcher';
import { QueueName } from './queue.constants';
import { defaultJobOptions } from './queue.options';
import { queueConnection } from './queue-connection';
import { QueueService } from './queue.service';

@Module({})
export class QueueModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    const connection = queueConnection(config, databaseUrl);
    return {
      module: QueueModule,
      global: true,
      imports: [
        BullModule.forRoot({
          ...connection,
          defaultJobOptions: defaultJobOptions(config),
        }),
        BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name }))),
      ],
      providers: [QueueService],
      exports: [QueueService, BullModule],
    };
  }
}

/**
 * Job dispatch for processes that consume queues (worker, all-in-one). Its start-up check refuses
 * to start unless every job name has exactly one handler.
 */
@Module({ imports: [DiscoveryModule], providers: [JobDispatcher], exports: [JobDispatcher] })
export class JobDispatchModule {}
