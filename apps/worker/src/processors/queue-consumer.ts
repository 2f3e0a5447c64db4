import { AppConfig } from '@app/config';
import { JobDispatcher } from '@app/queue';
import { WorkerHost } from '@nestjs/bullmq';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';

/** A BullMQ consumer that hands every job to the one registered handler of its name. */
export abstract class QueueConsumer extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly dispatcher: JobDispatcher,
    protected readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.concurrency(this.config);
  }

  /**
   * Stop taking jobs and let the active ones finish while the database and queue connections are
   * still open: @nestjs/bullmq closes its workers in onApplicationShutdown, the same phase in which
   * TypeORM destroys its pool, so a job running at SIGTERM/SIGINT could lose its connection (and,
   * on the PostgreSQL queue backend, the close hung until the shutdown timeout).
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }

  /** Jobs of this queue run at once in one process. */
  protected concurrency(config: AppConfig): number {
    return config.values.QUEUE_CONCURRENCY;
  }

  async process(job: Job): Promise<unknown> {
    return this.dispatcher.dispatch(job);
  }
}
