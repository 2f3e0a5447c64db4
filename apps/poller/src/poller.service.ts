import { AppConfig } from '@app/config';
import { MailboxService, SettleSweepService, StageEmailUseCase } from '@app/intake';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { MailboxLock } from './lock/mailbox-lock';
import { MailboxPoller } from './mailbox-poller';
import { MailboxStateStore } from './mailbox-state.store';

interface Running {
  poller: MailboxPoller;
  /** Settings version the poller runs with; a change restarts it. */
  version: number;
}

/**
 * Supervises one MailboxPoller per enabled mailbox whose lock this replica holds. Every third of
 * the lock lifetime it renews held locks (stopping a poller whose lock was lost), picks up new
 * or re-enabled mailboxes, and stops disabled, deleted or changed ones.
 */
@Injectable()
export class PollerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Poller');
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly mailboxes: MailboxService,
    private readonly stage: StageEmailUseCase,
    private readonly sweep: SettleSweepService,
    private readonly store: MailboxStateStore,
    private readonly lock: MailboxLock,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.values.POLLER_ENABLED) {
      this.logger.log('poller disabled (POLLER_ENABLED=false)');
      return;
    }
    void this.tick();
    this.timer = setInterval(
      () => void this.tick(),
      Math.max(500, Math.floor(this.config.values.IMAP_LOCK_TTL_MS / 3)),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await Promise.all([...this.running.keys()].map((id) => this.stopOne(id)));
    await this.lock.close();
  }

  /** Ids of the mailboxes this replica is reading now. */
  held(): string[] {
    return [...this.running.keys()];
  }

  tick(): Promise<void> {
    if (this.ticking || this.stopping) return this.ticking ?? Promise.resolve();
    this.ticking = this.reconcile()
      .catch((error: unknown) =>
        this.logger.warn({ error: error instanceof Error ? error.name : 'unknown' }, 'poller tick failed'),
      )
      .finally(() => {
        this.ticking = null;
      });
    return this.ticking;
  }

  private async reconcile(): Promise<void> {
    const ttl = this.config.values.IMAP_LOCK_TTL_MS;
    const enabled = await this.mailboxes.enabledMailboxes();
    const wanted = new Map(enabled.map((m) => [m.id, m]));
    for (const [id, running] of this.running) {
      const mailbox = wanted.get(id);
      const keep =
        mailbox !== undefined &&
        mailbox.updatedAt.getTime() === running.version &&
        (await this.lock.renew(id, this.owner, ttl));
      if (!keep) await this.stopOne(id);
    }
    for (const mailbox of enabled) {
      if (this.stopping || this.running.has(mailbox.id)) continue;
      if (!(await this.lock.acquire(mailbox.id, this.owner, ttl))) continue;
      let settings;
      try {
        settings = this.mailboxes.settings(mailbox);
      } catch {
        this.logger.warn(
          { mailboxId: mailbox.id },
          'mailbox password cannot be decrypted (wrong MAILBOX_ENCRYPTION_KEY?)',
        );
        await this.lock.release(mailbox.id, this.owner);
        continue;
      }
      const poller = new MailboxPoller(mailbox, settings, {
        config: this.config,
        stage: this.stage,
        sweep: this.sweep,
        store: this.store,
        logger: this.logger,
      });
      this.running.set(mailbox.id, { poller, version: mailbox.updatedAt.getTime() });
      poller.start();
      this.logger.log({ mailboxId: mailbox.id }, 'mailbox acquired');
    }
  }

  private async stopOne(id: string): Promise<void> {
    const running = this.running.get(id);
    if (!running) return;
    this.running.delete(id);
    await running.poller.stop();
    await this.lock.release(id, this.owner).catch(() => undefined);
    await this.store.status(id, { connected: false }).catch(() => undefined);
    this.logger.log({ mailboxId: id }, 'mailbox released');
  }
}
