import { AppConfig } from '@app/config';
import { JobDispatcher } from '@app/queue';
import { WorkerHost } from '@nestjs/bullmq';
import type { OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';

/** A BullMQ consumer that hands every job to the one registered handler of its name. */
export abstract class QueueConsumer extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly dispatcher: JobDispatcher,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.concurrency(this.config);
  }

  /** Jobs of this queue run at once in one process. */
  protected concurrency(config: AppConfig): number {
    return config.values.QUEUE_CONCURRENCY;
  }

  async process(job: Job): Promise<unknown> {
    return this.dispatcher.dispatch(job);
  }
}
