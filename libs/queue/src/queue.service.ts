import { getQueueToken } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { JobsOptions, Queue } from 'bullmq';
import { JOB_QUEUE, QueueName, type JobItem } from './queue.constants';

/** The one way to enqueue work: typed jobs, routed to their queue. */
@Injectable()
export class QueueService {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(private readonly moduleRef: ModuleRef) {}

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Enqueue one job. Pass `jobId` for deduplication (e.g. the inbound message id): BullMQ ignores
   * an add whose id already exists (addBulk on `queue(name)` does the same per job, which staging,
   * settle and the start-up re-enqueue rely on). A job that failed for good keeps its id until it
   * is removed, so re-adding after a failure needs the failed job removed first.
   */
  async add(item: JobItem, options: JobsOptions = {}): Promise<void> {
    await this.queue(JOB_QUEUE[item.name]).add(item.name, item.data, options);
  }

  async depths(): Promise<Record<string, Record<string, number>>> {
    const result: Record<string, Record<string, number>> = {};
    for (const name of Object.values(QueueName)) {
      result[name] = await this.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed');
    }
    return result;
  }

  async ping(): Promise<boolean> {
    try {
      await this.queue(QueueName.Intake).getJobCounts('waiting');
      return true;
    } catch {
      return false;
    }
  }
}
