import { sha256Hex } from '@app/common';
import type { AppConfig } from '@app/config';
import type { MailboxEntity } from '@app/database';
import type { SettleSweepService, StageEmailUseCase } from '@app/intake';
import {
  closeImapClient,
  createImapClientFresh,
  hashStream,
  imapErrorCode,
  searchUids,
  type ImapSettings,
} from '@app/mail';
import type { Logger } from '@nestjs/common';
import type { ImapFlow } from 'imapflow';
import type { MailboxStateStore } from './mailbox-state.store';

export interface MailboxPollerDeps {
  config: AppConfig;
  stage: StageEmailUseCase;
  sweep: SettleSweepService;
  store: MailboxStateStore;
  logger: Logger;
}

/**
 * While mail keeps arriving, the poller asks the server again this soon after a sync (NOOP, whose
 * answer reports new messages at once) instead of leaving it to IDLE: Dovecot announces a change
 * to an idling session only after waiting half a second for more (NOTIFY_DELAY_MSECS in its
 * mailbox-watch.c), and imapflow starts IDLE IMAP_IDLE_DELAY_MS (250) after the last command, so a
 * message arriving just after a sync waited 250–500 ms for nothing (M2 in BENCHMARKS.md).
 */
const FOLLOW_UP_MS = 50;
/** ...for as long as a sync found new mail this recently; after that, IDLE alone (no traffic). */
const FOLLOW_UP_WINDOW_MS = 2_000;
/** A NOOP unanswered for this long means the connection died without telling us. */
const NOOP_DEADLINE_MS = 20_000;
/**
 * Bytes of message bodies fetched and staged together. Bounds the poller's memory (one batch in
 * flight) and the size of one multi-row INSERT; a single message above it is a batch of its own.
 */
const BATCH_BYTES = 8 * 1024 * 1024;
/** A session that lasted this long was healthy: the next reconnect starts the backoff again. */
const HEALTHY_SESSION_MS = 60_000;
/** The settle sweep runs after a sync at most this often (and re-adds jobs at least this old). */
const SWEEP_EVERY_MS = 5_000;
/**
 * A sync that changes nothing else in the mailbox's status (no backlog, no error to clear) writes
 * its `last_fetch_at` at most this often: while mail trickles in there are several syncs a second,
 * and each write was a round trip the next message waited behind.
 */
const STATUS_EVERY_MS = 1_000;

/**
 * Reads one mailbox over one imapflow connection: IDLE (imapflow's auto-IDLE, re-issued every
 * IMAP_IDLE_RESTART_MS) when the mailbox is quiet, a NOOP FOLLOW_UP_MS after each sync while mail
 * keeps arriving (FOLLOW_UP_WINDOW_MS), plus a polling fallback every IMAP_POLL_INTERVAL_MS that also sends a NOOP
 * with a deadline to catch silent drops. Any drop ends the session; the loop reconnects with
 * exponential backoff and jitter. New mail is found by UID above the cursor, read in pages: sizes
 * come from one completed FETCH, then the bodies of a byte-bounded batch in one more FETCH (never
 * a fetch inside a fetch loop, imapflow #159), so memory holds one batch at most (BATCH_BYTES, or
 * one message when it alone is larger). The cursor is read from the database once per session and
 * then kept in memory (this replica holds the mailbox's lock, so no one else moves it meanwhile);
 * every advance is still written before the next sync.
 */
export class MailboxPoller {
  private stopped = false;
  private client: ImapFlow | null = null;
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  /** When a sync last found new mail (the follow-up NOOPs run until FOLLOW_UP_WINDOW_MS after it). */
  private mailAt = 0;
  private followUp: NodeJS.Timeout | null = null;
  /** When this poller last ran the settle sweep (0: not yet, so the first sync runs it). */
  private sweptAt = 0;
  /** The cursor as last read or written in this session (null: read it from the database). */
  private cursorAt: { uidValidity: number; uid: number } | null = null;
  /** What the last sync wrote to the status row, to skip writes that would change nothing. */
  private shown = { at: 0, backlog: -1 };
  private readonly settings: ImapSettings;

  constructor(
    private readonly mailbox: MailboxEntity,
    settings: ImapSettings,
    private readonly deps: MailboxPollerDeps,
  ) {
    this.settings = settings;
  }

  get id(): string {
    return this.mailbox.id;
  }

  start(): void {
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const client = this.client;
    if (client) await closeImapClient(client);
    await this.loopDone;
    await this.syncing?.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const started = Date.now();
      try {
        await this.session();
      } catch (error) {
        const code = imapErrorCode(error);
        this.deps.logger.warn({ mailboxId: this.id, error: code }, 'mailbox session failed');
        if (code === 'auth_failed') await this.settings.onAuthFailed?.().catch(() => undefined);
        await this.status({ lastError: code });
      }
      await this.status({ connected: false });
      if (this.stopped) break;
      if (Date.now() - started > HEALTHY_SESSION_MS) attempt = 0;
      const base = Math.min(this.deps.config.values.IMAP_RECONNECT_MAX_MS, 1000 * 2 ** attempt);
      attempt = Math.min(attempt + 1, 30);
      await this.sleep(base * (0.8 + Math.random() * 0.4));
    }
  }

  private async session(): Promise<void> {
    const { config } = this.deps;
    // OAuth2 mailboxes get a fresh access token per session (refreshed before it expires), so a
    // reconnect after a long IDLE never logs in with a stale one; a revoked grant throws here and
    // is shown as the mailbox's error (`oauth_revoked`), leaving every message on the server.
    const client = await createImapClientFresh(
      this.settings,
      { idleRestartMs: config.values.IMAP_IDLE_RESTART_MS, autoIdleDelayMs: config.values.IMAP_IDLE_DELAY_MS },
      (code) => this.deps.logger.warn({ mailboxId: this.id, error: code }, 'imap connection error'),
    );
    this.client = client;
    // A new session reads the cursor again (another replica may have held the mailbox meanwhile).
    this.cursorAt = null;
    this.shown = { at: 0, backlog: -1 };
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('exists', () => this.requestSync(client));
    let timer: NodeJS.Timeout | undefined;
    try {
      await client.connect();
      if (this.stopped) return;
      await client.mailboxOpen(this.mailbox.folder);
      await this.status({ connected: true, lastError: null });
      this.deps.logger.log({ mailboxId: this.id }, 'mailbox connected');
      this.requestSync(client);
      timer = setInterval(() => void this.check(client), config.values.IMAP_POLL_INTERVAL_MS);
      await closed;
    } finally {
      if (timer) clearInterval(timer);
      if (this.followUp) clearTimeout(this.followUp);
      this.followUp = null;
      this.client = null;
      client.close();
    }
  }

  /** Polling fallback and liveness check in one: NOOP with a deadline, then a sync. */
  private async check(client: ImapFlow): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.noop(),
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error('noop deadline')), NOOP_DEADLINE_MS);
        }),
      ]);
      this.requestSync(client);
    } catch {
      this.deps.logger.warn({ mailboxId: this.id }, 'mailbox check failed; reconnecting');
      client.close();
    } finally {
      clearTimeout(timeout);
    }
  }

  private requestSync(client: ImapFlow): void {
    if (this.stopped) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = (async () => {
      do {
        this.syncAgain = false;
        if ((await this.sync(client)) > 0) this.mailAt = Date.now();
      } while (this.syncAgain && !this.stopped && client.usable);
    })()
      .catch(async (error: unknown) => {
        const code = imapErrorCode(error);
        this.deps.logger.warn({ mailboxId: this.id, error: code }, 'mailbox sync failed; reconnecting');
        this.shown.at = 0; // the next good sync clears the error at once
        await this.status({ lastError: code });
        client.close();
      })
      .finally(() => {
        this.syncing = null;
        this.scheduleFollowUp(client);
      });
  }

  /** While mail is arriving: a NOOP shortly after each sync; new mail in its answer starts the next sync. */
  private scheduleFollowUp(client: ImapFlow): void {
    if (this.stopped || this.followUp || Date.now() - this.mailAt > FOLLOW_UP_WINDOW_MS) return;
    this.followUp = setTimeout(() => {
      this.followUp = null;
      if (this.stopped || this.syncing || !client.usable) return;
      // An 'exists' in the answer has started a sync (which schedules the next follow-up itself).
      client.noop().then(
        () => {
          if (!this.syncing) this.scheduleFollowUp(client);
        },
        () => undefined, // a dead connection ends the session; the loop reconnects
      );
    }, FOLLOW_UP_MS);
  }

  /** Stages what is new above the cursor; the number of new messages found. */
  private async sync(client: ImapFlow): Promise<number> {
    const { config, store } = this.deps;
    const opened = client.mailbox;
    if (!opened) throw new Error('mailbox not open');
    const uidValidity = Number(opened.uidValidity);
    const cursor =
      this.cursorAt?.uidValidity === uidValidity ? this.cursorAt.uid : await store.cursor(this.id, uidValidity);
    this.cursorAt = { uidValidity, uid: cursor };
    // UIDs first (index only), sizes a page at a time: a listing of sizes for everything above the
    // cursor made the server compute them for a whole backlog again on every sync that a dropped
    // connection cut short (the chaos soak's APPENDs slowed fourfold).
    const found = await searchUids(client, { uid: `${cursor + 1}:*` });
    // `N:*` also matches the highest UID when it is below N: keep only UIDs above the cursor.
    const uids = found.filter((uid) => uid > cursor).sort((a, b) => a - b);
    const pageSize = config.values.IMAP_FETCH_PAGE_SIZE;
    // The backlog is shown while a sync of several pages runs; a sync of one page (the usual one,
    // while mail trickles in under IDLE) writes its status once, at the end: each statement here
    // is a round trip every new message waits behind (M2 in BENCHMARKS.md).
    let backlog = uids.length;
    if (backlog > pageSize) await this.showBacklog(backlog);
    for (let i = 0; i < uids.length && !this.stopped; i += pageSize) {
      const page = uids.slice(i, i + pageSize);
      const metas = await client.fetchAll(page.join(','), { uid: true, size: true }, { uid: true });
      const sizes = new Map(metas.map((m) => [m.uid, m.size ?? 0]));
      // The cursor moves only past what was staged: a stop between two batches leaves the rest of
      // the page above it, for the next session (nothing reads below the cursor again).
      // (byteBatches keeps UID order, so everything below a batch's first UID is staged.)
      let done = page[page.length - 1] ?? cursor;
      for (const batch of byteBatches(page, sizes, config.values.IMAP_MAX_MESSAGE_BYTES)) {
        if (this.stopped) {
          done = batch.uids[0] - 1;
          break;
        }
        await this.stageBatch(client, batch, uidValidity);
      }
      if (done > cursor) {
        await store.advance(this.id, uidValidity, done);
        this.cursorAt = { uidValidity, uid: done };
      }
      backlog = Math.max(0, uids.length - i - page.length);
      if (backlog > 0) await this.showBacklog(backlog);
    }
    if (backlog !== this.shown.backlog || Date.now() - this.shown.at >= STATUS_EVERY_MS) {
      await this.status({ backlog, lastFetchAt: new Date(), lastError: null });
      this.shown = { at: Date.now(), backlog };
    }
    // The settle sweep repairs lost settle jobs older than SWEEP_EVERY_MS: once in that time is
    // enough, not once per sync (several a second while mail trickles in).
    if (Date.now() - this.sweptAt >= SWEEP_EVERY_MS) {
      await this.deps.sweep.sweep(this.id, SWEEP_EVERY_MS);
      this.sweptAt = Date.now();
    }
    return uids.length;
  }

  /**
   * One byte-bounded batch: its bodies in ONE UID FETCH (completed before anything else is sent on
   * the connection, so no command ever runs inside a fetch), then staged with one multi-row INSERT
   * and one addBulk. A message over IMAP_MAX_MESSAGE_BYTES is never loaded: it is hashed while
   * streaming and staged without bytes (quarantined as too_large).
   */
  private async stageBatch(client: ImapFlow, batch: Batch, uidValidity: number): Promise<void> {
    const max = this.deps.config.values.IMAP_MAX_MESSAGE_BYTES;
    if (batch.tooLarge !== undefined) {
      const uid = batch.tooLarge;
      const download = await client.download(String(uid), undefined, { uid: true });
      if (!('content' in download) || !download.content) return;
      const { sha256, size } = await hashStream(download.content);
      await this.deps.stage.execute({ mailboxId: this.id, uidValidity, uid, raw: null, sha256, size });
      return;
    }
    const fetched = await client.fetchAll(batch.uids.join(','), { uid: true, source: true }, { uid: true });
    const staged: Array<{ uid: number; raw: Buffer }> = [];
    for (const message of fetched) {
      if (!message.source) continue; // expunged by someone else meanwhile
      if (message.source.length > max) {
        // Grew past the limit between the size FETCH and this one (or the server's size lied).
        await this.deps.stage.execute({
          mailboxId: this.id,
          uidValidity,
          uid: message.uid,
          raw: null,
          sha256: sha256Hex(message.source),
          size: message.source.length,
        });
        continue;
      }
      staged.push({ uid: message.uid, raw: message.source });
    }
    staged.sort((a, b) => a.uid - b.uid);
    await this.deps.stage.executeBatch(this.id, uidValidity, staged);
  }

  private async showBacklog(backlog: number): Promise<void> {
    await this.status({ backlog });
    this.shown.backlog = backlog;
  }

  private async status(patch: Parameters<MailboxStateStore['status']>[1]): Promise<void> {
    try {
      await this.deps.store.status(this.id, patch);
    } catch {
      // Status is best effort (the mailbox may just have been deleted); intake goes on.
    }
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
  }
}

interface Batch {
  uids: number[];
  /** Set for a message over the limit: streamed and hashed on its own, never loaded. */
  tooLarge?: number;
}

/** Splits a page into batches of at most BATCH_BYTES (by the sizes the server reported). */
export function byteBatches(page: number[], sizes: Map<number, number>, maxMessageBytes: number): Batch[] {
  const batches: Batch[] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const uid of page) {
    const size = sizes.get(uid);
    if (size === undefined) continue; // expunged by someone else meanwhile
    if (size > maxMessageBytes) {
      // Close the batch before it: batches stay in UID order, which the cursor relies on.
      if (current.length > 0) batches.push({ uids: current });
      current = [];
      bytes = 0;
      batches.push({ uids: [uid], tooLarge: uid });
      continue;
    }
    if (current.length > 0 && bytes + size > BATCH_BYTES) {
      batches.push({ uids: current });
      current = [];
      bytes = 0;
    }
    current.push(uid);
    bytes += size;
  }
  if (current.length > 0) batches.push({ uids: current });
  return batches;
}
