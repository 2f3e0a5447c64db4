import { AppConfig } from '@app/config';
import { JobDispatcher, QueueName } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { QueueConsumer } from './queue-consumer';

/** Settles server copies of committed emails (move / expunge / flag) and expires quarantine. */
@Processor(QueueName.ImapSettle)
export class ImapSettleProcessor extends QueueConsumer {
  constructor(dispatcher: JobDispatcher, config: AppConfig) {
    super(dispatcher, config);
  }
}
