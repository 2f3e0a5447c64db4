import { LARGE_RAW_BYTES } from './read-raw';

/**
 * The raw bytes of messages this process has just staged, handed to its own intake worker so it
 * need not read them back from PostgreSQL. When the poller (or the web form) and the worker share
 * a process — the all-in-one server — every message used to make a round trip it had no need of:
 * written to `inbound_messages.raw` (that write is what makes intake lossless, and stays), then
 * read back a moment later as base64 text, which PostgreSQL encoded and the worker's main thread
 * received as one string per message and decoded again. Those strings were the largest source of
 * long-lived garbage on the main thread's heap (BENCHMARKS.md, M1).
 *
 * Only an optimisation: the row stays the truth. The worker takes an entry when it has claimed the
 * row (status `processing`, bytes not yet cleared), and reads from the database whatever is not
 * here — in split mode, after a restart, or for anything this hand-off declined. It holds at most
 * HANDOFF_BYTES and declines more rather than evicting (a backlog is worked oldest first, so the
 * oldest entries are the ones about to be taken), holds nothing unless an intake worker runs in
 * this process, and lets an entry go after HANDOFF_TTL_MS (a worker in another process took the
 * job): raw mail is kept only as long as it is being processed.
 */
export class StagedBytesHandoff {
  private readonly entries = new Map<string, { bytes: Buffer; at: number }>();
  private held = 0;
  private consumer = false;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly budget = HANDOFF_BYTES,
    private readonly ttlMs = HANDOFF_TTL_MS,
    private readonly maxEntryBytes = HANDOFF_MAX_ENTRY_BYTES,
  ) {}

  /** Called by the intake worker of this process: from now on, staged bytes are kept for it. */
  enableConsumer(): void {
    this.consumer = true;
  }

  /**
   * Keeps a reference to a committed staging row's bytes for the worker; false when declined (no
   * worker here, too large, or the budget is used up). The caller must not change `bytes` after.
   */
  offer(id: string, bytes: Buffer): boolean {
    if (!this.consumer || bytes.length >= this.maxEntryBytes || this.entries.has(id)) return false;
    this.expire();
    if (this.held + bytes.length > this.budget) return false;
    this.entries.set(id, { bytes, at: Date.now() });
    this.held += bytes.length;
    this.sweeper ??= setInterval(() => this.expire(), Math.max(1000, this.ttlMs / 2)).unref();
    return true;
  }

  /** The bytes staged for this row, removed from the hand-off; undefined when not here. */
  take(id: string): Buffer | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.forget(id, entry.bytes.length);
    return entry.bytes;
  }

  /** Lets a row's bytes go without using them (its outcome was decided elsewhere). */
  drop(id: string): void {
    this.take(id);
  }

  /** Entries and bytes held now (metrics and tests). */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.held };
  }

  /** Lets everything go (shutdown, tests). */
  clear(): void {
    for (const [id, entry] of this.entries) this.forget(id, entry.bytes.length);
  }

  private expire(): void {
    const cutoff = Date.now() - this.ttlMs;
    // A Map iterates in insertion order: the oldest entries come first.
    for (const [id, entry] of this.entries) {
      if (entry.at > cutoff) break;
      this.forget(id, entry.bytes.length);
    }
  }

  private forget(id: string, size: number): void {
    this.entries.delete(id);
    this.held -= size;
    if (this.entries.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }
}

/** Bytes held at most: a backlog of ordinary mail (about 28 KB a message) of some 2,000 messages. */
export const HANDOFF_BYTES = 64 * 1024 * 1024;
/** An entry not taken by then was taken by a worker elsewhere, or will be read from the row. */
export const HANDOFF_TTL_MS = 60_000;
/** From this size on the worker reads a message in slices or compacted (read-raw.ts), never whole. */
export const HANDOFF_MAX_ENTRY_BYTES = LARGE_RAW_BYTES;

let shared: StagedBytesHandoff | null = null;

/** The process's one hand-off, shared by its stagers (poller, web form) and its intake worker. */
export function sharedStagedBytes(): StagedBytesHandoff {
  shared ??= new StagedBytesHandoff();
  return shared;
}
