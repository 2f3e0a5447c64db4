import { InboundKind, InboundStatus, type MailboxEntity } from '@app/database';
import { hashStream, searchUids } from '@app/mail';
import { JobName, QueueName, QueueService } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ImapFlow, SearchObject } from 'imapflow';
import type { DataSource } from 'typeorm';
import { MailboxService } from '../mailboxes/mailbox.service';
import { ImapConnectionPool } from '../settle/imap-connection-pool';
import { enqueueSettles } from '../settle/settle-job-id';
import { QuarantineActionError } from './quarantine-action.error';

/**
 * moved_back: the server copy went from the quarantine folder back to the intake folder and the
 * row follows it (new UID). in_intake_folder: the copy was never moved away (not yet settled).
 * from_stored_bytes: no server copy left (or not from a mailbox); the stored bytes are processed.
 */
export type ReplayOutcome = 'moved_back' | 'in_intake_folder' | 'from_stored_bytes';
/** expunged: the server copy was found and expunged; no_server_copy: there was none left. */
export type DeleteOutcome = 'expunged' | 'no_server_copy';

interface QuarantinedRow {
  id: string;
  kind: InboundKind;
  mailbox_id: string | null;
  uid_validity: string | null;
  uid: string | null;
  settled_at: Date | null;
  quarantined_at: Date | null;
  reason: string | null;
  has_bytes: boolean;
  size: number;
  sha256: string;
  message_id_header: string | null;
}

/** Where the server copy of a quarantined row is now. */
type CopyLocation = { folder: 'intake'; uid: number } | { folder: 'quarantine'; uid: number } | null;

/** Candidates hashed at most when looking for a copy in the quarantine folder. */
const MAX_CANDIDATES = 20;

/**
 * The worker side of `intake quarantine replay|delete`: both act on the server copy too, on the
 * mailbox's pooled settle connection (serialised with settle work of that mailbox).
 *
 * Replay never makes a second ticket for one message: before the copy is moved back, the row is
 * reset to `received` with no UID (a "being replayed" row that staging re-keys instead of
 * inserting anew, see StageEmailUseCase.reconcile); after the MOVE the row takes the new UID from
 * COPYUID. Whichever comes first, the poller's staging of the new UID lands on this same row, and
 * its process job keeps the row id as job id.
 *
 * Delete expunges the server copy and removes the row (bytes included); the log line with id,
 * mailbox and reason code is the audit record.
 */
@Injectable()
export class QuarantineActionService {
  private readonly logger = new Logger(QuarantineActionService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly mailboxes: MailboxService,
    private readonly pool: ImapConnectionPool,
    private readonly queue: QueueService,
  ) {}

  async replay(id: string): Promise<ReplayOutcome> {
    const row = await this.load(id);
    const mailbox = await this.mailboxOf(row);
    if (!mailbox) return this.replayFromBytes(row);
    return this.pool.withFolder(mailbox, mailbox.folder, async (client, ensureFolder) => {
      const copy = await this.locate(client, mailbox, row, ensureFolder);
      if (copy?.folder === 'intake') {
        await this.reset(row.id, { keepUid: true });
        await this.enqueueProcess(row.id);
        return 'in_intake_folder' as const;
      }
      if (!copy) return this.replayFromBytes(row);
      if (!row.has_bytes) {
        // Quarantined without its bytes (too large to load; maybe the limit was raised since): no
        // row to reset, the poller stages the moved copy afresh. This row never made a ticket.
        // imapflow answers a refused command with false instead of throwing.
        if (!(await client.messageMove(String(copy.uid), mailbox.folder, { uid: true }))) {
          throw new Error('The mail server refused to move the copy back');
        }
        await this.dataSource.query(`DELETE FROM inbound_messages WHERE id = $1 AND status = $2`, [
          row.id,
          InboundStatus.Quarantined,
        ]);
        return 'moved_back' as const;
      }
      // Marked as being replayed first, so a poller that sees the moved copy before we record its
      // UID re-keys this row instead of staging a second one.
      await this.reset(row.id, { keepUid: false });
      let moved;
      try {
        moved = await client.messageMove(String(copy.uid), mailbox.folder, { uid: true });
      } catch (error) {
        await this.restore(row);
        throw error;
      }
      if (!moved) {
        // Refused (imapflow answers false): the copy is still in quarantine, so is the row.
        await this.restore(row);
        throw new Error('The mail server refused to move the copy back');
      }
      const newUid = moved.uidMap?.get(copy.uid);
      if (newUid === undefined || moved.uidValidity === undefined) {
        // Without UIDPLUS the new UID is unknown: the poller's staging re-keys the row when it sees it.
        this.logger.warn({ inboundMessageId: row.id }, 'replay: no COPYUID; leaving the re-key to the poller');
        return 'moved_back' as const;
      }
      await this.rekey(row.id, Number(moved.uidValidity), newUid);
      return 'moved_back' as const;
    });
  }

  async delete(id: string): Promise<DeleteOutcome> {
    const row = await this.load(id);
    const mailbox = await this.mailboxOf(row);
    let outcome: DeleteOutcome = 'no_server_copy';
    if (mailbox) {
      outcome = await this.pool.withFolder(mailbox, mailbox.folder, async (client, ensureFolder) => {
        const copy = await this.locate(client, mailbox, row, ensureFolder);
        if (!copy) return 'no_server_copy' as const;
        // locate() left the folder of the copy selected.
        if (!(await client.messageDelete(String(copy.uid), { uid: true }))) {
          // Refused: keep the row, so the copy stays listed and can be deleted again.
          throw new Error('The mail server refused to delete the copy');
        }
        return 'expunged' as const;
      });
    }
    await this.dataSource.query(`DELETE FROM inbound_messages WHERE id = $1 AND status = $2`, [
      row.id,
      InboundStatus.Quarantined,
    ]);
    this.logger.log(
      { inboundMessageId: row.id, mailboxId: row.mailbox_id, reason: row.reason, serverCopy: outcome },
      'quarantined message deleted',
    );
    return outcome;
  }

  private async load(id: string): Promise<QuarantinedRow> {
    const rows = await this.dataSource.query<QuarantinedRow[]>(
      `SELECT id, kind, mailbox_id, uid_validity, uid, settled_at, quarantined_at, reason,
              raw IS NOT NULL AS has_bytes, size, sha256, message_id_header
         FROM inbound_messages WHERE id = $1 AND status = $2`,
      [id, InboundStatus.Quarantined],
    );
    if (!rows[0]) throw new QuarantineActionError('quarantine_not_found', 'No such quarantined message');
    return rows[0];
  }

  private async mailboxOf(row: QuarantinedRow): Promise<MailboxEntity | null> {
    if (row.kind !== InboundKind.Email || !row.mailbox_id) return null;
    return this.mailboxes.entity(row.mailbox_id).catch(() => null);
  }

  /**
   * Finds the server copy: still in the intake folder under its staged UID (not settled yet), or
   * in the quarantine folder (found by Message-ID, else by exact size, and confirmed by sha256).
   * Leaves the folder of the copy selected.
   */
  private async locate(
    client: ImapFlow,
    mailbox: MailboxEntity,
    row: QuarantinedRow,
    ensureFolder: (path: string) => Promise<void>,
  ): Promise<CopyLocation> {
    const uid = row.uid === null ? null : Number(row.uid);
    if (
      !row.settled_at &&
      uid !== null &&
      Number(client.mailbox ? client.mailbox.uidValidity : -1) === Number(row.uid_validity)
    ) {
      await client.noop();
      const found = await searchUids(client, { uid: String(uid) });
      if (found.includes(uid)) return { folder: 'intake', uid };
    }
    await ensureFolder(mailbox.quarantineFolder);
    await client.mailboxOpen(mailbox.quarantineFolder);
    const query: SearchObject = row.message_id_header
      ? { header: { 'message-id': row.message_id_header } }
      : { larger: row.size - 1, smaller: row.size + 1 };
    const candidates = (await searchUids(client, query)).slice(0, MAX_CANDIDATES);
    for (const candidate of candidates) {
      // One download at a time, never inside a fetch iteration.
      const download = await client.download(String(candidate), undefined, { uid: true });
      if (!('content' in download) || !download.content) continue;
      const { sha256 } = await hashStream(download.content);
      if (sha256 === row.sha256) return { folder: 'quarantine', uid: candidate };
    }
    return null;
  }

  /** No server copy to move back: process the stored bytes; settle then finds no copy to touch. */
  private async replayFromBytes(row: QuarantinedRow): Promise<ReplayOutcome> {
    if (!row.has_bytes) {
      throw new QuarantineActionError(
        'quarantine_no_bytes',
        'Neither the server copy nor the message bytes are left; nothing to replay',
      );
    }
    await this.reset(row.id, { keepUid: false });
    await this.enqueueProcess(row.id);
    return 'from_stored_bytes';
  }

  private async reset(id: string, options: { keepUid: boolean }): Promise<void> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `UPDATE inbound_messages
          SET status = $2, reason = NULL, quarantined_at = NULL, attempts = 0, settled_at = NULL
              ${options.keepUid ? '' : ', uid = NULL, uid_validity = NULL'}
        WHERE id = $1 AND status = $3`,
      [id, InboundStatus.Received, InboundStatus.Quarantined],
    );
    if (Number(result[1] ?? 0) !== 1) {
      throw new QuarantineActionError('quarantine_not_found', 'No such quarantined message');
    }
  }

  /** The MOVE failed: the row goes back to exactly how it was. */
  private async restore(row: QuarantinedRow): Promise<void> {
    await this.dataSource.query(
      `UPDATE inbound_messages
          SET status = $2, reason = $3, quarantined_at = $4, settled_at = $5, uid_validity = $6, uid = $7
        WHERE id = $1 AND status = $8 AND uid IS NULL`,
      [
        row.id,
        InboundStatus.Quarantined,
        row.reason,
        row.quarantined_at,
        row.settled_at,
        row.uid_validity,
        row.uid,
        InboundStatus.Received,
      ],
    );
  }

  /**
   * Records the copy's new UID, unless the poller's staging already did. The copy is back on the
   * server, so the row needs settling again whatever its status is by now.
   */
  private async rekey(id: string, uidValidity: number, uid: number): Promise<void> {
    const rows = await this.dataSource.query<[Array<{ status: InboundStatus }>, number]>(
      `UPDATE inbound_messages SET uid_validity = $2, uid = $3, settled_at = NULL
        WHERE id = $1 AND uid IS NULL RETURNING status`,
      [id, uidValidity, uid],
    );
    const status = rows[0][0]?.status;
    if (status === undefined) return; // re-keyed (and enqueued) by the poller's staging
    if (status === InboundStatus.Received || status === InboundStatus.Processing) await this.enqueueProcess(id);
    else await enqueueSettles(this.queue, [id]);
  }

  private async enqueueProcess(id: string): Promise<void> {
    // A failed job under the same id is kept for a while and would swallow the add: remove it first.
    const previous = await this.queue.queue(QueueName.Intake).getJob(id);
    if (previous && (await previous.isFailed())) await previous.remove().catch(() => undefined);
    await this.queue.add({ name: JobName.ProcessInbound, data: { inboundMessageId: id } }, { jobId: id });
  }
}
