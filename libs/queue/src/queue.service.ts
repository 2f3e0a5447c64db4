import { getQueueToken } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { JobsOptions, Queue } from 'bullmq';
import { JOB_QUEUE, QueueName, type JobItem } from './queue.constants';

/** Jobs sent per round trip by addBulk. */
const BULK_CHUNK = 500;

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

  /**
   * Enqueue many jobs, each under its own id, a chunk per round trip (an existing id is a no-op,
   * as with add()). `replaceFailed` is for repair passes that re-add the jobs of work still
   * undone: a job that failed for good stays under its id for QUEUE_FAILED_RETENTION_DAYS and
   * would swallow the add, so those are removed first (waiting, delayed and active ones are left
   * be). It costs one count per queue when nothing has failed.
   */
  async addBulk(jobs: Array<JobItem & { jobId: string }>, options: { replaceFailed?: boolean } = {}): Promise<void> {
    const byQueue = new Map<QueueName, Array<JobItem & { jobId: string }>>();
    for (const job of jobs) {
      const name = JOB_QUEUE[job.name];
      const list = byQueue.get(name);
      if (list) list.push(job);
      else byQueue.set(name, [job]);
    }
    for (const [name, all] of byQueue) {
      const queue = this.queue(name);
      const anyFailed = options.replaceFailed === true && (await queue.getFailedCount()) > 0;
      for (let i = 0; i < all.length; i += BULK_CHUNK) {
        const chunk = all.slice(i, i + BULK_CHUNK);
        if (anyFailed) {
          const states = await Promise.all(chunk.map((j) => queue.getJobState(j.jobId)));
          await Promise.all(
            chunk.filter((_, k) => states[k] === 'failed').map((j) => queue.remove(j.jobId).catch(() => 0)),
          );
        }
        await queue.addBulk(chunk.map((j) => ({ name: j.name, data: j.data, opts: { jobId: j.jobId } })));
      }
    }
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
