import { AuditService, CLI_ACTOR, type AuditActor } from '@app/audit';
import { AppConfig } from '@app/config';
import { InboundStatus } from '@app/database';
import { randomToken } from '@app/common';
import { JOB_QUEUE, JobName, QueueService } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { QuarantineActionError } from './quarantine-action.error';
import type { QuarantineActionResult } from './quarantine-action.handler';
import type { DeleteOutcome, ReplayOutcome } from './quarantine-action.service';

/** What a replay/delete did, or `queued` when no worker finished it in time. */
export type QuarantineActionOutcome = ReplayOutcome | DeleteOutcome | 'queued';

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
 * listed, replayed or deleted by a person (both through the worker, which acts on the server copy
 * too), and expire after QUARANTINE_RETENTION_DAYS.
 */
@Injectable()
export class QuarantineService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly queue: QueueService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Quarantined messages, newest first; `mailboxId` narrows to one mailbox, or with `none` to what
   * arrived on no mailbox (web form, portal).
   */
  async list(options: { limit?: number; mailboxId?: string } = {}): Promise<QuarantinedView[]> {
    const noMailbox = options.mailboxId === 'none';
    if (options.mailboxId !== undefined && !noMailbox && !UUID.test(options.mailboxId)) {
      throw new QuarantineActionError('invalid_filter', 'mailboxId must be a mailbox id or none');
    }
    const limit = Number.isFinite(options.limit) ? Number(options.limit) : 100;
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
        WHERE i.status = $1 AND ($2::uuid IS NULL OR i.mailbox_id = $2) AND (NOT $4 OR i.mailbox_id IS NULL)
        ORDER BY i.quarantined_at DESC NULLS LAST, i.id
        LIMIT $3`,
      [
        InboundStatus.Quarantined,
        noMailbox ? null : (options.mailboxId ?? null),
        Math.min(Math.max(limit, 1), 1000),
        noMailbox,
      ],
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

  /**
   * Processes a quarantined message again (e.g. after a parser fix). The worker moves the server
   * copy from the quarantine folder back to the intake folder (the row follows its new UID, so the
   * poller stages nothing twice), or uses the stored bytes when no server copy is left.
   */
  replay(id: string, options: { waitMs?: number; actor?: AuditActor } = {}): Promise<QuarantineActionOutcome> {
    return this.act(id, 'replay', options);
  }

  /** Expunges the server copy and removes the row with its bytes (the worker logs id and reason). */
  delete(id: string, options: { waitMs?: number; actor?: AuditActor } = {}): Promise<QuarantineActionOutcome> {
    return this.act(id, 'delete', options);
  }

  /**
   * Enqueues the action for the worker (which holds the mailbox's IMAP connection) and waits for
   * its result; `queued` when no worker finished it within `waitMs` (it still will).
   */
  private async act(
    id: string,
    action: 'replay' | 'delete',
    { waitMs = 30_000, actor = CLI_ACTOR }: { waitMs?: number; actor?: AuditActor },
  ): Promise<QuarantineActionOutcome> {
    const row = await this.find(id);
    // Recorded when asked for (the worker may finish later); codes and ids only, never content.
    await this.audit.record({
      actor,
      action: action === 'replay' ? 'quarantine.replayed' : 'quarantine.deleted',
      target: { type: 'inbound_message', id },
      details: { mailboxId: row.mailboxId, reason: row.reason },
    });
    const jobId = `quarantine-${action}-${id}-${randomToken(6)}`;
    await this.queue.add(
      { name: JobName.QuarantineAction, data: { inboundMessageId: id, action } },
      // One attempt: an operator sees the error at once and can retry; results are kept for reading back.
      { jobId, attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } },
    );
    const queue = this.queue.queue(JOB_QUEUE[JobName.QuarantineAction]);
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      // State first, then the job: a job read before its state could predate the worker's
      // completion and carry no return value (or failure reason) yet.
      const state = await queue.getJobState(jobId);
      const job = state === 'completed' || state === 'failed' ? await queue.getJob(jobId) : undefined;
      if (job && state === 'completed') return (job.returnvalue as QuarantineActionResult).outcome;
      if (job && state === 'failed') {
        if (job.failedReason.startsWith('No such quarantined message')) {
          throw new QuarantineActionError('quarantine_not_found', job.failedReason);
        }
        if (job.failedReason.startsWith('Neither the server copy')) {
          throw new QuarantineActionError('quarantine_no_bytes', job.failedReason);
        }
        throw new QuarantineActionError('quarantine_action_failed', `${action} failed: ${job.failedReason}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return 'queued';
  }

  /** Quarantined rows older than QUARANTINE_RETENTION_DAYS, oldest first. */
  async expiredIds(now = new Date(), limit = 500): Promise<string[]> {
    const cutoff = new Date(now.getTime() - this.config.values.QUARANTINE_RETENTION_DAYS * 24 * 3600 * 1000);
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM inbound_messages WHERE status = $1 AND COALESCE(quarantined_at, created_at) < $2
        ORDER BY COALESCE(quarantined_at, created_at) LIMIT $3`,
      [InboundStatus.Quarantined, cutoff, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Removes the stored bytes of quarantined rows (the row stays); returns how many had bytes. */
  async dropBytes(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.dataSource.query<[unknown[], number]>(
      `UPDATE inbound_messages SET raw = NULL WHERE id = ANY($1) AND status = $2 AND raw IS NOT NULL`,
      [ids, InboundStatus.Quarantined],
    );
    return Number(result[1] ?? 0);
  }

  async countByMailbox(): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<Array<{ mailbox_id: string; n: string }>>(
      `SELECT mailbox_id, count(*) AS n FROM inbound_messages WHERE status = $1 AND mailbox_id IS NOT NULL GROUP BY mailbox_id`,
      [InboundStatus.Quarantined],
    );
    return new Map(rows.map((r) => [r.mailbox_id, Number(r.n)]));
  }

  private async find(id: string): Promise<{ hasBytes: boolean; mailboxId: string | null; reason: string | null }> {
    if (!UUID.test(id)) throw new QuarantineActionError('quarantine_not_found', 'No such quarantined message');
    const rows = await this.dataSource.query<
      Array<{ has_bytes: boolean; mailbox_id: string | null; reason: string | null }>
    >(
      `SELECT raw IS NOT NULL AS has_bytes, mailbox_id, reason
         FROM inbound_messages WHERE id = $1 AND status = $2`,
      [id, InboundStatus.Quarantined],
    );
    const row = rows[0];
    if (!row) throw new QuarantineActionError('quarantine_not_found', 'No such quarantined message');
    return { hasBytes: row.has_bytes, mailboxId: row.mailbox_id, reason: row.reason };
  }
}
