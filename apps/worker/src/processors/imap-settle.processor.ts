import { AppConfig } from '@app/config';
import { JobDispatcher, QueueName, WORKER_OPTIONS } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { QueueConsumer } from './queue-consumer';

/** Settles server copies of committed emails (move / expunge / flag) and expires quarantine. */
@Processor(QueueName.ImapSettle, WORKER_OPTIONS)
export class ImapSettleProcessor extends QueueConsumer {
  constructor(dispatcher: JobDispatcher, config: AppConfig) {
    super(dispatcher, config);
  }
}
