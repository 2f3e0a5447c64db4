// The worker process of the fault tests: the real apps/worker main, with BullMQ's lock and stall
// check shortened so a job of a SIGKILLed worker is picked up again in seconds instead of ~30 s
// (the production defaults). Nothing else differs.
import 'reflect-metadata';
import { QueueName } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { ImapSettleProcessor } from '../../../apps/worker/src/processors/imap-settle.processor';
import { IntakeProcessor } from '../../../apps/worker/src/processors/intake.processor';

// Several workers may run at once (other test files): no fixed /health + /metrics port unless asked.
process.env.WORKER_METRICS_PORT ??= '0';

const fast = { lockDuration: 2000, stalledInterval: 1000 };
Processor(QueueName.Intake, fast)(IntakeProcessor);
Processor(QueueName.ImapSettle, fast)(ImapSettleProcessor);

// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../../../apps/worker/src/main');
