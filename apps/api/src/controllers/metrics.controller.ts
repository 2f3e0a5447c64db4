import { IntakeMetrics } from '@app/intake';
import { QueueService } from '@app/queue';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { Public } from '../guards/auth.decorators';

/**
 * Prometheus metrics. Counters and the pipeline histogram are this process's own (all of them in
 * the all-in-one process); queue depth and staging-row gauges are read at scrape time, so they
 * cover every process. Labels are codes only.
 */
@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: IntakeMetrics,
    private readonly queue: QueueService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Public()
  @Get('metrics')
  async scrape(@Res() res: Response): Promise<void> {
    try {
      const depths = await this.queue.depths();
      for (const [queue, counts] of Object.entries(depths)) {
        for (const [state, n] of Object.entries(counts)) this.metrics.queueDepth.set({ queue, state }, n);
      }
    } catch {
      // Queue down: the gauges keep their last values; /health reports the outage.
    }
    const rows = await this.dataSource
      .query<Array<{ kind: string; status: string; n: string }>>(
        `SELECT kind, status, count(*) AS n FROM inbound_messages GROUP BY kind, status`,
      )
      .catch(() => []);
    this.metrics.inbound.reset();
    for (const r of rows) this.metrics.inbound.set({ kind: r.kind, status: r.status }, Number(r.n));
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}
