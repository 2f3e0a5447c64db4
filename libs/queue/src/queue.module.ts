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
        DiscoveryModule,
        BullModule.forRoot({
          ...connection,
          defaultJobOptions: defaultJobOptions(config),
        }),
        BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name }))),
      ],
      providers: [QueueService, JobDispatcher],
      exports: [QueueService, JobDispatcher, BullModule],
    };
  }
}
