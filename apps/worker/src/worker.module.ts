import { IntakeWorkerModule } from '@app/intake';
import { JobDispatchModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { IntakeProcessor } from './processors/intake.processor';
import { StartupRequeueService } from './startup-requeue.service';

/** Queue consumers and their job handlers. Needs PlatformModule beside it. */
@Module({
  imports: [JobDispatchModule, IntakeWorkerModule],
  providers: [IntakeProcessor, StartupRequeueService],
})
export class WorkerModule {}
