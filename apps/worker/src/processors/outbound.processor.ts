import { AppConfig } from '@app/config';
import { JobDispatcher, QueueName, WORKER_OPTIONS } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { QueueConsumer } from './queue-consumer';

/** Outbound mail (agent replies, acknowledgements): job `send-message`. */
@Processor(QueueName.Outbound, WORKER_OPTIONS)
export class OutboundProcessor extends QueueConsumer {
  constructor(dispatcher: JobDispatcher, config: AppConfig) {
    super(dispatcher, config);
  }

  /** Sends mostly wait on the database and the SMTP server: more of them at once (OUTBOUND_CONCURRENCY). */
  protected override concurrency(config: AppConfig): number {
    return config.values.OUTBOUND_CONCURRENCY;
  }
}
