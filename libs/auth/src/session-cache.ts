import { Logger } from '@nestjs/common';
import { Client } from 'pg';

/** NOTIFYed (by statement triggers, migration 1764900000000) whenever a session or a user changes. */
export const AUTH_CHANNEL = 'intake_auth';
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  value: T;
  until: number;
}

/**
 * A short in-process cache of "session token → signed-in user", so a request does not pay a
 * database round trip just to learn who is calling.
 *
 * Revocation: every UPDATE/DELETE/TRUNCATE on `sessions` or `users` (logout, a disabled user, a
 * role change, a session deleted by hand or by another replica) NOTIFYs `intake_auth` on commit,
 * and this cache drops everything when it hears it. So revocation reaches every api replica as
 * fast as PostgreSQL delivers a notification (milliseconds). The cache is only used while its
 * LISTEN connection is up: when the connection drops it is emptied and bypassed until it is back,
 * because notifications sent meanwhile are lost. A generation counter stops a lookup that started
 * before a revocation from re-inserting what it read. Entries also expire after `ttlMs` and never
 * outlive the session itself — a backstop, not the revocation mechanism.
 */
export class SessionCache<T> {
  private readonly logger = new Logger('SessionCache');
  private readonly entries = new Map<string, Entry<T>>();
  private generation = 0;
  private client: Client | null = null;
  private listening = false;
  private stopped = false;
  private starting: Promise<void> | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly connectionString: string | undefined,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0 && this.listening;
  }

  /** Call before the database lookup; pass the result to `set`. */
  snapshot(): number {
    return this.generation;
  }

  get(key: string): T | undefined {
    if (!this.enabled) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores a lookup result unless something was revoked since `snapshot` was taken. */
  set(key: string, value: T, expiresAt: number, snapshot: number): void {
    if (!this.enabled || snapshot !== this.generation) return;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until: Math.min(Date.now() + this.ttlMs, expiresAt) });
  }

  /** Forgets everything (and invalidates lookups in flight). */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /**
   * Resolves once LISTEN is up (or at once when caching is off); retries in the background on
   * failure. Idempotent: callers may call it on every lookup.
   */
  start(): Promise<void> {
    if (this.ttlMs <= 0 || !this.connectionString || this.stopped) return Promise.resolve();
    this.starting ??= this.connect();
    return this.starting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    this.clear();
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.connectionString, application_name: 'intake-auth-listen' });
    client.on('notification', () => this.clear());
    client.on('error', () => {
      if (this.client !== client) return;
      this.logger.warn('auth LISTEN connection lost; session cache off until it is back');
      this.listening = false;
      this.client = null;
      this.clear();
      client.end().catch(() => undefined);
      this.retry(1_000);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${AUTH_CHANNEL}`);
      if (this.stopped) {
        await client.end();
        return;
      }
      this.client = client;
      // Anything revoked while nobody listened is unknown: start empty.
      this.clear();
      this.listening = true;
    } catch {
      this.logger.warn('could not LISTEN for session changes; session cache off, retrying');
      await client.end().catch(() => undefined);
      this.retry(2_000);
    }
  }

  private retry(ms: number): void {
    if (!this.stopped) setTimeout(() => void this.connect().catch(() => undefined), ms).unref();
  }
}
