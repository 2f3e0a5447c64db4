import { AppConfig } from '@app/config';
import { QueueService } from '@app/queue';
import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { SendMessageHandler } from './send-message.handler';
import { enqueueSend, enqueueSends } from './send-job';

/** How long shutdown waits for acknowledgements being sent right now. */
const SHUTDOWN_WAIT_MS = 10_000;

/**
 * Sends the acknowledgements of a just-committed intake batch from the worker that committed them,
 * without a queue job each: a job per acknowledgement (its add, activation and completion in Redis,
 * BullMQ's handling around it) cost about as much CPU as the send itself (M1 in BENCHMARKS.md).
 *
 * It runs the `send-message` handler directly, so every rule holds as for a job: the row is claimed
 * (`queued` → `sending`) before the SMTP transaction, marked `sent` after it, a permanent refusal
 * marks it failed. Only what needs a retry becomes a job: a transient failure (the handler has put
 * the row back to `queued`) or an error before the handler got that far (the database away) adds
 * the usual `send-<id>` job, with BullMQ's backoff and attempts from there. If even that cannot be
 * added (Redis away too), or the worker dies meanwhile, the row stays `queued`/`sending` and the
 * start-up re-enqueue (RequeueOutbound) picks it up: `sending` then means "may have gone out", and
 * an acknowledgement is never sent twice.
 *
 * At most OUTBOUND_CONCURRENCY or twice INTAKE_BATCH_SIZE (the acknowledgements of the two intake
 * batches that can be in flight), whichever is more, are sent this way at once: when the SMTP
 * server is slower than intake, the rest get jobs, and the queue holds them instead of this
 * process's memory.
 */
@Injectable()
export class AcknowledgementSender implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AcknowledgementSender.name);
  private readonly inFlight = new Set<Promise<void>>();

  private readonly limit: number;

  constructor(
    private readonly handler: SendMessageHandler,
    private readonly queue: QueueService,
    config: AppConfig,
  ) {
    this.limit = Math.max(config.values.OUTBOUND_CONCURRENCY, 2 * config.values.INTAKE_BATCH_SIZE);
  }

  /**
   * Starts sending what fits under the bound and returns without waiting for SMTP; what does not
   * fit is enqueued as jobs before it returns.
   */
  async send(messageIds: string[]): Promise<void> {
    const room = Math.max(0, this.limit - this.inFlight.size);
    for (const id of messageIds.slice(0, room)) {
      const running = this.sendOne(id).finally(() => this.inFlight.delete(running));
      this.inFlight.add(running);
    }
    if (messageIds.length > room) await enqueueSends(this.queue, messageIds.slice(room));
  }

  /** Sends being made now (for tests and shutdown). */
  get pending(): number {
    return this.inFlight.size;
  }

  private async sendOne(messageId: string): Promise<void> {
    try {
      // Attempt 1 of 2 as far as the handler knows: a transient failure is never its last, so it
      // leaves the row `queued` for the job below instead of failing it.
      await this.handler.handle({ messageId }, { jobId: undefined, attemptsMade: 0, maxAttempts: 2 });
    } catch (error) {
      try {
        await enqueueSend(this.queue, messageId);
      } catch {
        this.logger.warn(
          { messageId, error: error instanceof Error ? error.name : 'unknown' },
          'acknowledgement not sent and no job added; the start-up re-enqueue will send it',
        );
      }
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }
}
