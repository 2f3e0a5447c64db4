import { AppConfig } from '@app/config';
import { JobDispatcher, QueueName, WORKER_OPTIONS } from '@app/queue';
import { Logger } from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { Worker } from 'bullmq';
import { QueueConsumer } from './queue-consumer';

/**
 * The intake queue's consumer. Its jobs are shared by INTAKE_QUEUE_FETCHERS BullMQ workers (the
 * one @nestjs/bullmq creates and the rest made here with the same options), each with its share of
 * the concurrency: a BullMQ worker fetches waiting jobs one Redis call at a time, up to its
 * concurrency, before it starts any of them, so a pile of a hundred staged messages reached the
 * batcher some 100 ms later through one worker than through four. All of them hand their jobs to
 * the same ProcessInboundHandler, which batches across them and puts each batch back in the order
 * its messages were staged (the workers hand jobs over interleaved).
 */
@Processor(QueueName.Intake, WORKER_OPTIONS)
export class IntakeProcessor extends QueueConsumer {
  private readonly logger = new Logger(IntakeProcessor.name);
  private readonly extra: Worker[] = [];

  constructor(dispatcher: JobDispatcher, config: AppConfig) {
    super(dispatcher, config);
  }

  override onApplicationBootstrap(): void {
    super.onApplicationBootstrap();
    // The PostgreSQL queue backend opens a connection pool per worker: one there.
    const fetchers = this.config.values.REDIS_URL ? this.config.values.INTAKE_QUEUE_FETCHERS : 1;
    if (fetchers <= 1) return;
    const share = Math.ceil(this.concurrency(this.config) / fetchers);
    this.worker.concurrency = share;
    for (let i = 1; i < fetchers; i++) {
      const worker = new Worker(this.worker.name, (job) => this.process(job), {
        ...this.worker.opts,
        concurrency: share,
      });
      // Class name only: a Redis error message can quote a key or a job's data.
      worker.on('error', (error) => this.logger.warn({ error: error.name }, 'intake queue worker error'));
      this.extra.push(worker);
    }
  }

  /** Every BullMQ worker on the intake queue in this process. */
  get workers(): Worker[] {
    return [this.worker, ...this.extra];
  }

  override async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.extra.map((w) => w.close()), super.beforeApplicationShutdown()]);
  }

  /** Enough active jobs to fill one batch while the previous one commits (see ProcessInboundHandler). */
  protected override concurrency(config: AppConfig): number {
    return Math.max(config.values.QUEUE_CONCURRENCY, 2 * config.values.INTAKE_BATCH_SIZE);
  }
}
