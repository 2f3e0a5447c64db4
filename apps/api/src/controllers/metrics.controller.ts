import { safeEqual } from '@app/common';
import { AppConfig } from '@app/config';
import { IntakeMetrics } from '@app/intake';
import { QueueService } from '@app/queue';
import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { Public } from '../guards/auth.decorators';

/** `Authorization: Bearer <token>`, compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return !!match?.[1] && safeEqual(match[1], token);
}

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
