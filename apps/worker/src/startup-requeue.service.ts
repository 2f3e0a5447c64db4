import { AppConfig } from '@app/config';
import { RequeueStagedService } from '@app/intake';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

/**
 * On start, and then every INTAKE_REQUEUE_INTERVAL_MS, re-enqueue staged rows whose job was lost
 * (see RequeueStagedService). At start every unfinished row; later only rows unfinished for longer
 * than one interval, so work in flight is left alone (a second add under the same job id is ignored
 * anyway). A job can be lost while a process runs — Redis restarted between a staging insert and
 * its enqueue — and then only the periodic pass finds it.
 */
@Injectable()
export class StartupRequeueService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StartupRequeueService.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly requeue: RequeueStagedService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.run(0);
    const interval = this.config.values.INTAKE_REQUEUE_INTERVAL_MS;
    if (interval > 0) {
      this.timer = setInterval(() => void this.run(interval), interval);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async run(olderThanMs: number): Promise<void> {
    try {
      const count = await this.requeue.requeue(olderThanMs);
      if (count > 0) this.logger.log({ count }, 're-enqueued staged inbound messages');
    } catch (error) {
      // Database or queue away: the next pass tries again.
      if (olderThanMs === 0) throw error;
      this.logger.warn({ error: error instanceof Error ? error.name : 'unknown' }, 'requeue pass failed');
    }
  }
}
