import { safeEqual } from '@app/common';
import type { QueueService } from '@app/queue';
import type { DataSource } from 'typeorm';
import type { IntakeMetrics } from './intake-metrics';

/** `Authorization: Bearer <token>`, compared in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return !!match?.[1] && safeEqual(match[1], token);
}

/**
 * The Prometheus text of this process: its own counters plus the gauges every process reads the
 * same way at scrape time (queue depth per state, staging rows per kind and status), so any one
 * scrape target shows the whole backlog.
 */
export async function scrapeIntakeMetrics(
  metrics: IntakeMetrics,
  queue: QueueService,
  dataSource: DataSource,
): Promise<string> {
  try {
    const depths = await queue.depths();
    for (const [name, counts] of Object.entries(depths)) {
      for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ queue: name, state }, n);
    }
  } catch {
    // Queue down: the gauges keep their last values; /health reports the outage.
  }
  const rows = await dataSource
    .query<Array<{ kind: string; status: string; n: string }>>(
      `SELECT kind, status, count(*) AS n FROM inbound_messages GROUP BY kind, status`,
    )
    .catch(() => []);
  metrics.inbound.reset();
  for (const r of rows) metrics.inbound.set({ kind: r.kind, status: r.status }, Number(r.n));
  return metrics.registry.metrics();
}
