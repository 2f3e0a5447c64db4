import { AppConfig } from '@app/config';
import { JobDispatcher, QueueName } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { QueueConsumer } from './queue-consumer';

@Processor(QueueName.Intake)
export class IntakeProcessor extends QueueConsumer {
  constructor(dispatcher: JobDispatcher, config: AppConfig) {
    super(dispatcher, config);
  }
}
