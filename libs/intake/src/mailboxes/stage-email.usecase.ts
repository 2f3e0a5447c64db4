import { sha256Hex } from '@app/common';
import { InboundKind, InboundMessageEntity, InboundStatus } from '@app/database';
import { JobName, QueueService } from '@app/queue';
import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { IntakeMetrics } from '../metrics/intake-metrics';
import { sharedStagedBytes } from '../persist/staged-bytes';
import { enqueueSettles } from '../settle/settle-job-id';
import { extractMessageId } from './message-id';

export interface StageEmailCommand {
  /** null for `intake import` (no server copy to settle). */
  mailboxId: string | null;
  uidValidity: number | null;
  uid: number | null;
  /** The message bytes; null when it was too large to load (then sha256 and size are given). */
  raw: Buffer | null;
  sha256?: string;
  size?: number;
}

export type StageEmailResult = {
  id: string;
  /** inserted: new row; existing: this UID was staged before; reconciled: same message under an old UIDVALIDITY. */
  state: 'inserted' | 'existing' | 'reconciled';
  status: InboundStatus;
};

/** Reason code of a message over IMAP_MAX_MESSAGE_BYTES. */
export const TOO_LARGE = 'too_large';

/**
 * Stages one email into inbound_messages and enqueues its processing, with the row id as job id.
 * Unique on mailbox + UIDVALIDITY + UID, so re-staging after a crash creates nothing new. When a
 * mailbox's UIDVALIDITY changed, a message already staged under the old value (same mailbox,
 * same content hash and Message-ID) is re-keyed to its new UID instead of staged again; so is a
 * quarantined message being replayed, whose server copy is back in the folder under a new UID.
 */
@Injectable()
export class StageEmailUseCase {
  /** A worker in this same process takes the bytes from here instead of reading them back. */
  private readonly handoff = sharedStagedBytes();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    @Optional() private readonly metrics?: IntakeMetrics,
  ) {}

  /**
   * Stages a page of one mailbox's messages (same UIDVALIDITY) in one multi-row INSERT and
   * enqueues their jobs with one addBulk: a few round trips per page instead of several per
   * message. Each job keeps its row id as job id; BullMQ's addBulk honours that per job (Redis:
   * the add script skips an existing id; PostgreSQL: ON CONFLICT DO NOTHING), so dedup holds.
   * A message that may be one the mailbox staged under another UIDVALIDITY (same content hash
   * and Message-ID) goes through execute() to be reconciled onto its old row; only those: the
   * rest of the page stays one INSERT even long after a UIDVALIDITY change.
   */
  async executeBatch(
    mailboxId: string,
    uidValidity: number,
    messages: Array<{ uid: number; raw: Buffer }>,
  ): Promise<StageEmailResult[]> {
    if (messages.length === 0) return [];
    const facts = messages.map((m) => ({ ...m, sha256: sha256Hex(m.raw), messageId: extractMessageId(m.raw) }));
    const byUid = new Map<number, StageEmailResult>();
    const reconcile = await this.reconcileCandidates(mailboxId, uidValidity, facts);
    for (const m of facts) {
      if (reconcile.has(m.uid))
        byUid.set(m.uid, await this.execute({ mailboxId, uidValidity, uid: m.uid, raw: m.raw }));
    }
    const rest = facts.filter((m) => !reconcile.has(m.uid));
    if (rest.length > 0) {
      const params: unknown[] = [InboundKind.Email, InboundStatus.Received, mailboxId, uidValidity];
      const tuples = rest.map((m) => {
        params.push(m.raw, m.raw.length, m.sha256, m.uid, m.messageId);
        const n = params.length;
        return `($1, $2, $${n - 4}, $${n - 3}, $${n - 2}, $3, $4, $${n - 1}, $${n})`;
      });
      const inserted = await this.dataSource.query<Array<{ id: string; uid: string }>>(
        `INSERT INTO inbound_messages (kind, status, raw, size, sha256, mailbox_id, uid_validity, uid, message_id_header)
         VALUES ${tuples.join(', ')}
         ON CONFLICT (mailbox_id, uid_validity, uid) WHERE mailbox_id IS NOT NULL DO NOTHING
         RETURNING id, uid`,
        params,
      );
      const rawOf = new Map(rest.map((m) => [m.uid, m.raw]));
      for (const r of inserted) {
        byUid.set(Number(r.uid), { id: r.id, state: 'inserted', status: InboundStatus.Received });
        const raw = rawOf.get(Number(r.uid));
        if (raw) this.handoff.offer(r.id, raw);
      }
      if (inserted.length > 0) this.metrics?.staged.inc({ kind: 'email' }, inserted.length);
      const missing = rest.filter((m) => !byUid.has(m.uid)).map((m) => m.uid);
      if (missing.length > 0) {
        const existing = await this.dataSource.query<Array<{ id: string; uid: string; status: InboundStatus }>>(
          `SELECT id, uid, status FROM inbound_messages WHERE mailbox_id = $1 AND uid_validity = $2 AND uid = ANY($3)`,
          [mailboxId, uidValidity, missing],
        );
        for (const r of existing) byUid.set(Number(r.uid), { id: r.id, state: 'existing', status: r.status });
        this.metrics?.alreadyStaged.inc(existing.length);
      }
      await this.enqueueMany(rest.flatMap((m) => byUid.get(m.uid) ?? []));
    }
    return facts.flatMap((m) => byUid.get(m.uid) ?? []);
  }

  /**
   * UIDs of the page whose message the mailbox may have staged under another UIDVALIDITY, or as a
   * quarantined copy being replayed (no UID until it is back in the folder). Usually one cheap
   * check (index range scans that stop at the first row) says there is no such row at all.
   */
  private async reconcileCandidates(
    mailboxId: string,
    uidValidity: number,
    facts: Array<{ uid: number; sha256: string; messageId: string | null }>,
  ): Promise<Set<number>> {
    const other = await this.dataSource.query<unknown[]>(
      `(SELECT 1 FROM inbound_messages WHERE mailbox_id = $1 AND uid_validity < $2 LIMIT 1)
       UNION ALL
       (SELECT 1 FROM inbound_messages WHERE mailbox_id = $1 AND uid_validity > $2 LIMIT 1)
       UNION ALL
       (SELECT 1 FROM inbound_messages WHERE mailbox_id = $1 AND uid_validity IS NULL AND status = $3 LIMIT 1)`,
      [mailboxId, uidValidity, InboundStatus.Received],
    );
    if (other.length === 0) return new Set();
    const rows = await this.dataSource.query<Array<{ uid: string }>>(
      `SELECT DISTINCT x.uid FROM unnest($2::text[], $3::text[], $4::bigint[]) AS x(sha, mid, uid)
         JOIN inbound_messages i ON i.mailbox_id = $1 AND i.sha256 = x.sha
          AND i.message_id_header IS NOT DISTINCT FROM x.mid
          AND (i.uid_validity <> $5 OR (i.uid_validity IS NULL AND i.status = $6))`,
      [
        mailboxId,
        facts.map((f) => f.sha256),
        facts.map((f) => f.messageId),
        facts.map((f) => f.uid),
        uidValidity,
        InboundStatus.Received,
      ],
    );
    return new Set(rows.map((r) => Number(r.uid)));
  }

  async execute(command: StageEmailCommand): Promise<StageEmailResult> {
    const raw = command.raw;
    const sha256 = raw ? sha256Hex(raw) : (command.sha256 ?? sha256Hex(''));
    const size = raw ? raw.length : (command.size ?? 0);
    const messageId = raw ? extractMessageId(raw) : null;
    const tooLarge = raw === null;

    if (command.mailboxId !== null && command.uidValidity !== null && command.uid !== null) {
      const reconciled = await this.reconcile(command.mailboxId, command.uidValidity, command.uid, sha256, messageId);
      if (reconciled) return reconciled;
    }

    const now = new Date();
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO inbound_messages
         (kind, status, raw, size, sha256, reason, mailbox_id, uid_validity, uid, message_id_header, quarantined_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (mailbox_id, uid_validity, uid) WHERE mailbox_id IS NOT NULL DO NOTHING
       RETURNING id`,
      [
        InboundKind.Email,
        tooLarge ? InboundStatus.Quarantined : InboundStatus.Received,
        raw,
        size,
        sha256,
        tooLarge ? TOO_LARGE : null,
        command.mailboxId,
        command.uidValidity,
        command.uid,
        messageId,
        tooLarge ? now : null,
      ],
    );
    let result: StageEmailResult;
    if (rows[0]) {
      result = {
        id: rows[0].id,
        state: 'inserted',
        status: tooLarge ? InboundStatus.Quarantined : InboundStatus.Received,
      };
      this.metrics?.staged.inc({ kind: 'email' });
      if (tooLarge) this.metrics?.quarantined.inc({ reason: TOO_LARGE });
      else if (raw) this.handoff.offer(rows[0].id, raw);
    } else {
      const existing = await this.dataSource.getRepository(InboundMessageEntity).findOneOrFail({
        select: { id: true, status: true },
        where: {
          mailboxId: command.mailboxId ?? undefined,
          uidValidity: command.uidValidity ?? undefined,
          uid: command.uid ?? undefined,
        },
      });
      result = { id: existing.id, state: 'existing', status: existing.status };
      this.metrics?.alreadyStaged.inc();
    }
    await this.enqueue(result.id, result.status);
    return result;
  }

  /**
   * Re-key a row staged under another UIDVALIDITY of the same mailbox to its new UID; likewise a
   * quarantined message being replayed (status received, no UID yet), whose copy was just moved
   * back into the folder (QuarantineActionService).
   */
  private async reconcile(
    mailboxId: string,
    uidValidity: number,
    uid: number,
    sha256: string,
    messageId: string | null,
  ): Promise<StageEmailResult | null> {
    return this.dataSource
      .transaction(async (m) => {
        const rows = await m.query<Array<{ id: string; status: InboundStatus }>>(
          `SELECT id, status FROM inbound_messages
          WHERE mailbox_id = $1 AND sha256 = $2
            AND (uid_validity <> $3 OR (uid_validity IS NULL AND status = $6))
            AND message_id_header IS NOT DISTINCT FROM $4
            AND NOT EXISTS (SELECT 1 FROM inbound_messages x WHERE x.mailbox_id = $1 AND x.uid_validity = $3 AND x.uid = $5)
          ORDER BY created_at
          LIMIT 1
          FOR UPDATE SKIP LOCKED`,
          [mailboxId, sha256, uidValidity, messageId, uid, InboundStatus.Received],
        );
        const row = rows[0];
        if (!row) return null;
        // The copy is still on the server (we just saw it), so it needs settling again if it was settled.
        await m.query(`UPDATE inbound_messages SET uid_validity = $2, uid = $3, settled_at = NULL WHERE id = $1`, [
          row.id,
          uidValidity,
          uid,
        ]);
        return { id: row.id, state: 'reconciled', status: row.status } as const;
      })
      .then(async (result) => {
        if (result) await this.enqueue(result.id, result.status);
        return result;
      });
  }

  private async enqueueMany(results: StageEmailResult[]): Promise<void> {
    const process = results.filter((r) => needsProcessing(r.status));
    const settle = results.filter((r) => !needsProcessing(r.status));
    await this.queue.addBulk(
      process.map((r) => ({ name: JobName.ProcessInbound, data: { inboundMessageId: r.id }, jobId: r.id })),
    );
    await enqueueSettles(
      this.queue,
      settle.map((r) => r.id),
    );
  }

  private async enqueue(id: string, status: InboundStatus): Promise<void> {
    if (needsProcessing(status)) {
      // jobId = staging id: BullMQ ignores the add while the job exists, so nothing runs twice at once.
      await this.queue.add({ name: JobName.ProcessInbound, data: { inboundMessageId: id } }, { jobId: id });
    } else {
      await enqueueSettles(this.queue, [id]);
    }
  }
}

function needsProcessing(status: InboundStatus): boolean {
  return status === InboundStatus.Received || status === InboundStatus.Processing;
}
