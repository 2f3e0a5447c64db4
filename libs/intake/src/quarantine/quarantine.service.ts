import { AppConfig } from '@app/config';
import { InboundMessageEntity, InboundStatus } from '@app/database';
import { JobName, QueueName, QueueService } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { QuarantineActionError } from './quarantine-action.error';

/** A quarantined message as operators see it: codes and sizes, never content. */
export interface QuarantinedView {
  id: string;
  kind: string;
  mailboxId: string | null;
  mailboxName: string | null;
  reason: string | null;
  size: number;
  attempts: number;
  hasBytes: boolean;
  quarantinedAt: string | null;
  settledAt: string | null;
  createdAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Quarantine: messages that could not be processed. Nothing here is dropped silently — rows are
 * listed, replayed (back to `received` and re-enqueued) or deleted by a person, and expire after
 * QUARANTINE_RETENTION_DAYS.
 */
@Injectable()
export class QuarantineService {
  private readonly logger = new Logger(QuarantineService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly queue: QueueService,
  ) {}

  async list(options: { limit?: number; mailboxId?: string } = {}): Promise<QuarantinedView[]> {
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        kind: string;
        mailbox_id: string | null;
        mailbox_name: string | null;
        reason: string | null;
        size: number;
        attempts: number;
        has_bytes: boolean;
        quarantined_at: Date | null;
        settled_at: Date | null;
        created_at: Date;
      }>
    >(
      `SELECT i.id, i.kind, i.mailbox_id, m.name AS mailbox_name, i.reason, i.size, i.attempts,
              (i.raw IS NOT NULL) AS has_bytes, i.quarantined_at, i.settled_at, i.created_at
         FROM inbound_messages i LEFT JOIN mailboxes m ON m.id = i.mailbox_id
        WHERE i.status = $1 AND ($2::uuid IS NULL OR i.mailbox_id = $2)
        ORDER BY i.quarantined_at DESC NULLS LAST, i.id
        LIMIT $3`,
      [InboundStatus.Quarantined, options.mailboxId ?? null, Math.min(Math.max(options.limit ?? 100, 1), 1000)],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      mailboxId: r.mailbox_id,
      mailboxName: r.mailbox_name,
      reason: r.reason,
      size: r.size,
      attempts: r.attempts,
      hasBytes: r.has_bytes,
      quarantinedAt: r.quarantined_at?.toISOString() ?? null,
      settledAt: r.settled_at?.toISOString() ?? null,
      createdAt: r.created_at.toISOString(),
    }));
  }

  /** Back to `received` and into the queue, e.g. after a parser fix. */
  async replay(id: string): Promise<void> {
    const row = await this.find(id);
    if (!row.hasBytes) {
      throw new QuarantineActionError(
        'quarantine_no_bytes',
        'This message was quarantined without its bytes and cannot be replayed',
      );
    }
    await this.dataSource
      .getRepository(InboundMessageEntity)
      .update(
        { id, status: InboundStatus.Quarantined },
        { status: InboundStatus.Received, reason: null, quarantinedAt: null, attempts: 0 },
      );
    // A failed job under the same id is kept for a while and would swallow the add: remove it first.
    const previous = await this.queue.queue(QueueName.Intake).getJob(id);
    if (previous) await previous.remove().catch(() => undefined);
    await this.queue.add({ name: JobName.ProcessInbound, data: { inboundMessageId: id } }, { jobId: id });
  }

  async delete(id: string): Promise<void> {
    await this.find(id);
    await this.dataSource.getRepository(InboundMessageEntity).delete({ id, status: InboundStatus.Quarantined });
  }

  /** Deletes quarantined rows older than QUARANTINE_RETENTION_DAYS; returns how many. */
  async expire(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.values.QUARANTINE_RETENTION_DAYS * 24 * 3600 * 1000);
    const result = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM inbound_messages WHERE status = $1 AND COALESCE(quarantined_at, created_at) < $2`,
      [InboundStatus.Quarantined, cutoff],
    );
    const count = Array.isArray(result) ? Number(result[1] ?? 0) : 0;
    if (count > 0) this.logger.log({ count }, 'expired quarantined messages');
    return count;
  }

  async countByMailbox(): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<Array<{ mailbox_id: string; n: string }>>(
      `SELECT mailbox_id, count(*) AS n FROM inbound_messages WHERE status = $1 AND mailbox_id IS NOT NULL GROUP BY mailbox_id`,
      [InboundStatus.Quarantined],
    );
    return new Map(rows.map((r) => [r.mailbox_id, Number(r.n)]));
  }

  private async find(id: string): Promise<{ hasBytes: boolean }> {
    if (!UUID.test(id)) throw new QuarantineActionError('quarantine_not_found', 'No such quarantined message');
    const rows = await this.dataSource.query<Array<{ has_bytes: boolean }>>(
      `SELECT raw IS NOT NULL AS has_bytes FROM inbound_messages WHERE id = $1 AND status = $2`,
      [id, InboundStatus.Quarantined],
    );
    if (!rows[0]) throw new QuarantineActionError('quarantine_not_found', 'No such quarantined message');
    return { hasBytes: rows[0].has_bytes };
  }
}
