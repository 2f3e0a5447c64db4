import { AppConfig } from '@app/config';
import { InboundMessageEntity, InboundStatus, MailboxAfterAction } from '@app/database';
import { ImapSearchError, searchUids } from '@app/mail';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ImapFlow } from 'imapflow';
import { IsNull, type DataSource } from 'typeorm';
import { MailboxService } from '../mailboxes/mailbox.service';
import { IntakeMetrics } from '../metrics/intake-metrics';
import { crashPoint } from './crash-point';
import { ImapConnectionPool } from './imap-connection-pool';

export type SettleOutcome =
  'moved' | 'quarantine_moved' | 'expunged' | 'flagged' | 'already_gone' | 'no_server_copy' | 'skipped';

/** The server copy cannot be found under the staged UID yet; retry once the poller re-keyed it. */
export class SettleRetryError extends Error {
  readonly code = 'settle_retry';
}

/**
 * The server refused a MOVE, STORE or EXPUNGE (imapflow answers false rather than throwing), e.g. a
 * destination folder deleted since it was last seen. Nothing is marked settled; the retry looks
 * the folder up again.
 */
export class SettleRefusedError extends Error {
  readonly code = 'settle_refused';
}

/** Rows settled together: one UID MOVE/STORE/EXPUNGE per destination instead of one per message. */
const SETTLE_BATCH = 500;

interface DueRow {
  id: string;
  uid: number;
  quarantined: boolean;
}

/**
 * Settles the server copy of a staged email once its outcome is committed: a processed message is
 * moved to the processed folder, expunged or flagged \Seen (per mailbox); a quarantined one is
 * moved to the quarantine folder. Only then is `settled_at` set. Idempotent: a copy already gone
 * (moved before a crash) counts as settled.
 *
 * Batched: the job of one row settles every committed, unsettled row of the same mailbox and
 * UIDVALIDITY (up to SETTLE_BATCH) with one UID command per destination. The batch is chosen on
 * the mailbox's serialised connection, so the jobs of the other rows, queued behind, find their
 * rows settled and return at once; a batch racing another worker process is harmless (UID
 * commands ignore UIDs that are gone; the search below counts them as already gone).
 */
@Injectable()
export class SettleInboundService {
  private readonly logger = new Logger(SettleInboundService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly mailboxes: MailboxService,
    private readonly pool: ImapConnectionPool,
    @Optional() private readonly metrics?: IntakeMetrics,
  ) {}

  async settle(inboundMessageId: string): Promise<SettleOutcome> {
    const repo = this.dataSource.getRepository(InboundMessageEntity);
    const row = await repo.findOne({
      select: { id: true, status: true, mailboxId: true, uidValidity: true, uid: true, settledAt: true },
      where: { id: inboundMessageId },
    });
    if (!row || row.settledAt) return 'skipped';
    // Never before the outcome is committed: the copy must stay until its ticket exists.
    if (row.status !== InboundStatus.Processed && row.status !== InboundStatus.Quarantined) return 'skipped';
    const mailbox = row.mailboxId ? await this.mailboxes.entity(row.mailboxId) : null;
    if (!mailbox || row.uid === null || row.uidValidity === null) {
      await repo.update({ id: row.id, settledAt: IsNull() }, { settledAt: new Date() });
      return 'no_server_copy';
    }
    const uidValidity = row.uidValidity;
    // `fresh`: the retry, on a session just opened (below), whose view of the folder is the server's own.
    const attempt = (fresh: boolean) =>
      this.pool.withFolder(mailbox, mailbox.folder, async (client, ensureFolder) => {
        const current = client.mailbox ? Number(client.mailbox.uidValidity) : null;
        if (current !== uidValidity) {
          // A pooled session keeps the UIDVALIDITY it selected (even STATUS answers from it), so the
          // session is dropped (below): the retry selects afresh, and if the value still differs the
          // poller has not re-keyed this row yet.
          throw new SettleRetryError('uidvalidity changed; waiting for the poller');
        }
        const due = await this.dueRows(mailbox.id, uidValidity, row.id);
        if (!due.some((d) => d.id === row.id)) return 'skipped' as const; // settled by the batch before
        // NOOP first: a session that sat in IDLE may not have synced mail that arrived since (Dovecot
        // answers UID SEARCH from the session's view), and a missed UID would wrongly count as gone.
        await client.noop();
        const found = new Set(await searchUids(client, { uid: due.map((d) => d.uid).join(',') }));
        if (!fresh && due.some((d) => !found.has(d.uid))) {
          // A UID the search did not find is gone (another worker's batch moved it) or not in this
          // session's view of the folder: a long-lived session was seen missing copies that were
          // there (the chaos soak). Only a fresh session may call a copy gone.
          throw new SettleRetryError('a copy was not found; looking again on a fresh session');
        }
        const outcomes = new Map<string, SettleOutcome>();
        const present = due.filter((d) => found.has(d.uid));
        for (const d of due) if (!found.has(d.uid)) outcomes.set(d.id, 'already_gone');
        const quarantined = present.filter((d) => d.quarantined);
        const processed = present.filter((d) => !d.quarantined);
        const set = (rows: DueRow[]): string => rows.map((d) => d.uid).join(',');
        if (quarantined.length > 0) {
          await ensureFolder(mailbox.quarantineFolder);
          confirmMoved(
            client,
            await client.messageMove(set(quarantined), mailbox.quarantineFolder, { uid: true }),
            quarantined,
          );
          for (const d of quarantined) outcomes.set(d.id, 'quarantine_moved');
        }
        if (processed.length > 0) {
          let outcome: SettleOutcome;
          switch (mailbox.afterAction) {
            case MailboxAfterAction.Move:
              await ensureFolder(mailbox.processedFolder);
              confirmMoved(
                client,
                await client.messageMove(set(processed), mailbox.processedFolder, { uid: true }),
                processed,
              );
              outcome = 'moved';
              break;
            case MailboxAfterAction.Expunge:
              refused(await client.messageDelete(set(processed), { uid: true }), 'expunge');
              outcome = 'expunged';
              break;
            case MailboxAfterAction.FlagSeen:
              refused(await client.messageFlagsAdd(set(processed), ['\\Seen'], { uid: true }), 'flag');
              outcome = 'flagged';
              break;
          }
          for (const d of processed) outcomes.set(d.id, outcome);
        }
        crashPoint(this.config, 'after-settle');
        // Marked while the connection is still ours, so the next job's batch does not pick these again.
        await this.dataSource.query(
          `UPDATE inbound_messages SET settled_at = now() WHERE id = ANY($1) AND settled_at IS NULL`,
          [due.map((d) => d.id)],
        );
        for (const outcome of outcomes.values()) this.metrics?.settled.inc({ action: outcome });
        return outcomes.get(row.id) ?? 'skipped';
      });
    // After any of these the pooled session is not trusted again: it is dropped, and one immediate
    // retry on a fresh session covers a stale view and a folder deleted since it was last seen.
    const untrusted = (error: unknown): boolean =>
      error instanceof SettleRetryError || error instanceof SettleRefusedError || error instanceof ImapSearchError;
    const run = (fresh: boolean) =>
      attempt(fresh).catch((error: unknown) => {
        if (untrusted(error)) this.pool.reset(mailbox.id);
        throw error;
      });
    const outcome = await run(false).catch((error: unknown) => {
      if (untrusted(error)) return run(true);
      throw error;
    });
    this.logger.debug({ inboundMessageId: row.id, outcome }, 'inbound settled');
    return outcome;
  }

  /** Committed, unsettled rows of this mailbox and UIDVALIDITY, oldest UID first; always includes `ownId` if still due. */
  private async dueRows(mailboxId: string, uidValidity: number, ownId: string): Promise<DueRow[]> {
    const rows = await this.dataSource.query<Array<{ id: string; uid: string; status: InboundStatus }>>(
      `(SELECT id, uid, status FROM inbound_messages
         WHERE mailbox_id = $1 AND uid_validity = $2 AND settled_at IS NULL AND uid IS NOT NULL
           AND status IN ($3, $4)
         ORDER BY uid LIMIT ${SETTLE_BATCH})
       UNION
       (SELECT id, uid, status FROM inbound_messages
         WHERE id = $5 AND uid_validity = $2 AND settled_at IS NULL AND uid IS NOT NULL AND status IN ($3, $4))`,
      [mailboxId, uidValidity, InboundStatus.Processed, InboundStatus.Quarantined, ownId],
    );
    return rows.map((r) => ({ id: r.id, uid: Number(r.uid), quarantined: r.status === InboundStatus.Quarantined }));
  }
}

/**
 * A MOVE the server answered OK may still have moved nothing: UIDs outside the session's view are
 * skipped without a word. With UIDPLUS (Dovecot, Gmail, Exchange, …) the answer's COPYUID names
 * every UID it moved, and a MOVE that moved none has no COPYUID at all; a UID missing from it means
 * its copy is still where it was (or was never this session's to move): nothing is marked, and the
 * batch is tried again on a fresh session. Without UIDPLUS the OK is all there is.
 */
function confirmMoved(client: ImapFlow, result: unknown, rows: DueRow[]): void {
  refused(result, 'move');
  if (!client.capabilities.has('UIDPLUS')) return;
  const uidMap = (result as { uidMap?: Map<number, number> }).uidMap;
  if (uidMap && rows.every((d) => uidMap.has(d.uid))) return;
  throw new SettleRefusedError('the server did not move every message of the batch');
}

/** imapflow resolves a refused MOVE/STORE/EXPUNGE to false, and to undefined when nothing is selected. */
function refused(result: unknown, command: string): void {
  if (result === false || result === undefined) throw new SettleRefusedError(`server refused the ${command}`);
}
