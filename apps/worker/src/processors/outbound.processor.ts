import { AppConfig } from '@app/config';
import { JobDispatcher, QueueName } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { QueueConsumer } from './queue-consumer';

/** Outbound mail (agent replies, acknowledgements): job `send-message`. */
@Processor(QueueName.Outbound)
export class OutboundProcessor extends QueueConsumer {
  constructor(dispatcher: JobDispatcher, config: AppConfig) {
    super(dispatcher, config);
  }
}
