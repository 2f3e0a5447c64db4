import { AppConfig } from '@app/config';
import { bearerMatches, IntakeMetrics, scrapeIntakeMetrics } from '@app/intake';
import { QueueService } from '@app/queue';
import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { Public } from '../guards/auth.decorators';

/**
 * Prometheus metrics. Counters and the pipeline histogram are this process's own (all of them in
 * the all-in-one process); queue depth and staging-row gauges are read at scrape time, so they
 * cover every process. Labels are codes only. With METRICS_TOKEN set, a scrape must send it as a
 * bearer token; without it, production answers 404 (the endpoint shares the public port).
 */
@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: IntakeMetrics,
    private readonly queue: QueueService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('metrics')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    const token = this.config.values.METRICS_TOKEN;
    if (token ? !bearerMatches(authorization, token) : this.config.production) {
      // Without a token, production keeps /metrics off: it shares the public port with the API.
      if (token) res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="metrics"').end();
      else res.status(404).json({ statusCode: 404, error: 'not_found', message: 'Set METRICS_TOKEN to scrape' });
      return;
    }
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await scrapeIntakeMetrics(this.metrics, this.queue, this.dataSource));
  }
}
