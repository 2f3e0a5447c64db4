import type { MailboxEntity } from '@app/database';
import { closeImapClient, createImapClientFresh } from '@app/mail';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { ImapFlow } from 'imapflow';
import { MailboxService } from '../mailboxes/mailbox.service';

interface Pooled {
  client: ImapFlow;
  /** Settings version: a changed mailbox gets a fresh connection. */
  version: number;
  lastUsed: number;
  folders: Set<string>;
  /** Serialises work on one connection. */
  tail: Promise<unknown>;
}

const IDLE_CLOSE_MS = 60_000;

/**
 * One IMAP connection per mailbox for settle work in a worker, reused across jobs and closed
 * after a minute without use. A broken connection is dropped and rebuilt on the next job.
 */
@Injectable()
export class ImapConnectionPool implements OnModuleDestroy {
  private readonly logger = new Logger(ImapConnectionPool.name);
  private readonly pooled = new Map<string, Pooled>();
  private readonly sweeper = setInterval(() => void this.closeIdle(), IDLE_CLOSE_MS / 2);

  constructor(private readonly mailboxes: MailboxService) {
    this.sweeper.unref();
  }

  /** Runs `fn` with `folder` selected, one caller at a time per mailbox. */
  async withFolder<T>(
    mailbox: MailboxEntity,
    folder: string,
    fn: (client: ImapFlow, ensureFolder: (path: string) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    const entry = await this.entry(mailbox);
    const run = entry.tail.then(async () => {
      if (!entry.client.usable) await this.reconnect(mailbox, entry);
      const lock = await entry.client.getMailboxLock(folder);
      try {
        return await fn(entry.client, (path) => this.ensureFolder(entry, path));
      } catch (error) {
        // A folder known to exist may be gone (deleted by someone else): look again next time.
        entry.folders.clear();
        throw error;
      } finally {
        lock.release();
        entry.lastUsed = Date.now();
      }
    });
    entry.tail = run.catch(() => undefined);
    try {
      return await run;
    } catch (error) {
      if (!entry.client.usable) this.drop(mailbox.id, entry);
      throw error;
    }
  }

  /** Closes the mailbox's pooled session: the next caller opens a fresh one. */
  reset(mailboxId: string): void {
    const entry = this.pooled.get(mailboxId);
    if (entry) this.drop(mailboxId, entry);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.pooled.values()].map((p) => closeImapClient(p.client)));
    this.pooled.clear();
  }

  private async entry(mailbox: MailboxEntity): Promise<Pooled> {
    const version = mailbox.updatedAt.getTime();
    const existing = this.pooled.get(mailbox.id);
    if (existing && existing.version === version) return existing;
    if (existing) this.drop(mailbox.id, existing);
    const entry: Pooled = {
      client: await this.newClient(mailbox),
      version,
      lastUsed: Date.now(),
      folders: new Set(),
      tail: Promise.resolve(),
    };
    entry.tail = entry.client.connect();
    this.pooled.set(mailbox.id, entry);
    return entry;
  }

  private newClient(mailbox: MailboxEntity): Promise<ImapFlow> {
    return createImapClientFresh(this.mailboxes.settings(mailbox), { autoIdleDelayMs: 5000 }, (code) =>
      this.logger.warn({ mailboxId: mailbox.id, error: code }, 'settle connection error'),
    );
  }

  private async reconnect(mailbox: MailboxEntity, entry: Pooled): Promise<void> {
    entry.client.close();
    entry.client = await this.newClient(mailbox);
    entry.folders.clear();
    await entry.client.connect();
  }

  private async ensureFolder(entry: Pooled, path: string): Promise<void> {
    if (entry.folders.has(path)) return;
    const list = await entry.client.list();
    if (!list.some((f) => f.path === path)) await entry.client.mailboxCreate(path);
    entry.folders.add(path);
  }

  private drop(id: string, entry: Pooled): void {
    if (this.pooled.get(id) === entry) this.pooled.delete(id);
    void closeImapClient(entry.client);
  }

  private async closeIdle(): Promise<void> {
    const now = Date.now();
    for (const [id, entry] of this.pooled) {
      if (now - entry.lastUsed > IDLE_CLOSE_MS) {
        this.pooled.delete(id);
        await entry.tail.catch(() => undefined);
        await closeImapClient(entry.client);
      }
    }
  }
}
