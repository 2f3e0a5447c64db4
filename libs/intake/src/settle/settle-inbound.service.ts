import { AppConfig } from '@app/config';
import { InboundMessageEntity, InboundStatus, MailboxAfterAction } from '@app/database';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
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
 * Settles the server copy of a staged email once its outcome is committed: a processed message is
 * moved to the processed folder, expunged or flagged \Seen (per mailbox); a quarantined one is
 * moved to the quarantine folder. Only then is `settled_at` set. Idempotent: a copy already gone
 * (moved before a crash) counts as settled.
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
    const uid = String(row.uid);
    const quarantined = row.status === InboundStatus.Quarantined;
    const attempt = () =>
      this.pool.withFolder(mailbox, mailbox.folder, async (client, ensureFolder) => {
        const current = client.mailbox ? Number(client.mailbox.uidValidity) : null;
        if (current !== row.uidValidity) {
          // A pooled session keeps the UIDVALIDITY it selected (even STATUS answers from it), so drop
          // the session: the retry selects afresh, and if the value still differs the poller has not
          // re-keyed this row yet.
          client.close();
          throw new SettleRetryError('uidvalidity changed; waiting for the poller');
        }
        // NOOP first: a session that sat in IDLE may not have synced mail that arrived since (Dovecot
        // answers UID SEARCH from the session's view), and a missed UID would wrongly count as gone.
        await client.noop();
        const found = await client.search({ uid }, { uid: true });
        if (!found || found.length === 0) return 'already_gone' as const;
        if (quarantined) {
          await ensureFolder(mailbox.quarantineFolder);
          await client.messageMove(uid, mailbox.quarantineFolder, { uid: true });
          return 'quarantine_moved' as const;
        }
        switch (mailbox.afterAction) {
          case MailboxAfterAction.Move:
            await ensureFolder(mailbox.processedFolder);
            await client.messageMove(uid, mailbox.processedFolder, { uid: true });
            return 'moved' as const;
          case MailboxAfterAction.Expunge:
            await client.messageDelete(uid, { uid: true });
            return 'expunged' as const;
          case MailboxAfterAction.FlagSeen:
            await client.messageFlagsAdd(uid, ['\\Seen'], { uid: true });
            return 'flagged' as const;
        }
      });
    // One immediate retry on a fresh session covers a stale pooled one.
    const outcome = await attempt().catch((error: unknown) => {
      if (error instanceof SettleRetryError) return attempt();
      throw error;
    });
    crashPoint(this.config, 'after-settle');
    await repo.update({ id: row.id, settledAt: IsNull() }, { settledAt: new Date() });
    this.metrics?.settled.inc({ action: outcome });
    this.logger.debug({ inboundMessageId: row.id, outcome }, 'inbound settled');
    return outcome;
  }
}
