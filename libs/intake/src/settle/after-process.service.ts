import { AppConfig } from '@app/config';
import { InboundKind, InboundMessageEntity, InboundStatus } from '@app/database';
import { QueueService } from '@app/queue';
import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { IntakeMetrics } from '../metrics/intake-metrics';
import { crashPoint } from './crash-point';
import { enqueueSettles } from './settle-job-id';

/**
 * What follows an outcome of the intake pipeline: metrics, and for an email from a mailbox the
 * settle job — enqueued only after the commit, so the server copy outlives any crash before it.
 */
@Injectable()
export class AfterProcessService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly queue: QueueService,
    @Optional() private readonly metrics?: IntakeMetrics,
  ) {}

  parsed(): void {
    crashPoint(this.config, 'after-parse');
  }

  /**
   * The outcomes of one committed batch: metrics, then ONE settle job per mailbox and UIDVALIDITY —
   * for the row with the highest UID. A settle job settles every committed row of its mailbox
   * (oldest UID first, see SettleInboundService), so that job covers the whole batch; if an earlier
   * job already settled that row, it settled the lower UIDs of the batch with it. The settle sweep
   * re-adds a job for any row left over.
   */
  async committedMany(
    results: Array<{
      row: Pick<InboundMessageEntity, 'id' | 'kind' | 'mailboxId' | 'uid' | 'uidValidity'>;
      outcome: string;
      /** Attachments of the message stored from its staging row (parse-email, mime/staged-parts.ts). */
      attachmentsFromStaging?: number;
    }>,
    ms: number,
  ): Promise<void> {
    for (const { outcome, attachmentsFromStaging } of results) {
      this.metrics?.processed.inc({ outcome });
      if (attachmentsFromStaging) this.metrics?.attachmentsFromStaging.inc(attachmentsFromStaging);
      this.metrics?.pipelineDuration.observe(ms / 1000);
    }
    crashPoint(this.config, 'after-commit');
    const last = new Map<string, Pick<InboundMessageEntity, 'id' | 'uid'>>();
    for (const { row } of results) {
      if (row.kind !== InboundKind.Email || !row.mailboxId) continue;
      const key = `${row.mailboxId}/${row.uidValidity ?? ''}`;
      const seen = last.get(key);
      if (!seen || (row.uid ?? 0) > (seen.uid ?? 0)) last.set(key, row);
    }
    await enqueueSettles(
      this.queue,
      [...last.values()].map((row) => row.id),
    );
  }

  async quarantined(id: string, reason: string): Promise<void> {
    this.metrics?.quarantined.inc({ reason: reason.split(':')[0] ?? 'unknown' });
    await this.settleIfFromMailbox(id);
  }

  /** A re-run of a job whose outcome is already committed (e.g. after a crash): settle if still due. */
  async alreadyDone(
    row: Pick<InboundMessageEntity, 'id' | 'kind' | 'mailboxId' | 'status' | 'settledAt'> | null,
  ): Promise<void> {
    if (!row || row.kind !== InboundKind.Email || !row.mailboxId || row.settledAt) return;
    if (row.status === InboundStatus.Processed || row.status === InboundStatus.Quarantined)
      await enqueueSettles(this.queue, [row.id]);
  }

  private async settleIfFromMailbox(id: string): Promise<void> {
    const row = await this.dataSource
      .getRepository(InboundMessageEntity)
      .findOne({ select: { id: true, kind: true, mailboxId: true }, where: { id } });
    if (row && row.kind === InboundKind.Email && row.mailboxId) await enqueueSettles(this.queue, [row.id]);
  }
}
