import { AppConfig } from '@app/config';
import { JobDispatcher, QueueName, WORKER_OPTIONS } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { QueueConsumer } from './queue-consumer';

/** Retention sweeps and the stats rollup: one at a time per worker, they are batch jobs. */
@Processor(QueueName.Maintenance, WORKER_OPTIONS)
export class MaintenanceProcessor extends QueueConsumer {
  constructor(dispatcher: JobDispatcher, config: AppConfig) {
    super(dispatcher, config);
  }

  override onApplicationBootstrap(): void {
    this.worker.concurrency = 1;
  }
}
