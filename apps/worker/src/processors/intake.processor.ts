import { AppConfig } from '@app/config';
import { JobDispatcher, QueueName, WORKER_OPTIONS } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { QueueConsumer } from './queue-consumer';

@Processor(QueueName.Intake, WORKER_OPTIONS)
export class IntakeProcessor extends QueueConsumer {
  constructor(dispatcher: JobDispatcher, config: AppConfig) {
    super(dispatcher, config);
  }

  /** Enough active jobs to fill one batch while the previous one commits (see ProcessInboundHandler). */
  protected override concurrency(config: AppConfig): number {
    return Math.max(config.values.QUEUE_CONCURRENCY, 2 * config.values.INTAKE_BATCH_SIZE);
  }
}
