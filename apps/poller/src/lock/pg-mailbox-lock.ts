import type { DataSource } from 'typeorm';
import { MailboxLock } from './mailbox-lock';

/**
 * PostgreSQL mode (no REDIS_URL): a lease row in mailbox_states. Expiry is judged by the
 * database clock only, so replicas with skewed clocks still agree.
 */
export class PgMailboxLock extends MailboxLock {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async acquire(mailboxId: string, owner: string, ttlMs: number): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `INSERT INTO mailbox_states (mailbox_id, lease_owner, lease_expires_at)
       VALUES ($1, $2, now() + ($3 || ' milliseconds')::interval)
       ON CONFLICT (mailbox_id) DO UPDATE
         SET lease_owner = EXCLUDED.lease_owner, lease_expires_at = EXCLUDED.lease_expires_at
         WHERE mailbox_states.lease_owner IS NULL
            OR mailbox_states.lease_owner = EXCLUDED.lease_owner
            OR mailbox_states.lease_expires_at < now()
       RETURNING mailbox_id`,
      [mailboxId, owner, String(ttlMs)],
    );
    return rows.length === 1;
  }

  /**
   * Extends our lease. A renewal that comes late (a busy event loop) still succeeds as long as no
   * other replica took the lease meanwhile — taking it changes the owner — so a slow tick does not
   * drop a mailbox nobody else holds.
   */
  async renew(mailboxId: string, owner: string, ttlMs: number): Promise<boolean> {
    // TypeORM answers an UPDATE with [rows, affected count], not with the rows alone.
    const [, affected] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE mailbox_states SET lease_expires_at = now() + ($3 || ' milliseconds')::interval
        WHERE mailbox_id = $1 AND lease_owner = $2
        RETURNING mailbox_id`,
      [mailboxId, owner, String(ttlMs)],
    );
    return affected === 1;
  }

  async release(mailboxId: string, owner: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE mailbox_states SET lease_owner = NULL, lease_expires_at = NULL WHERE mailbox_id = $1 AND lease_owner = $2`,
      [mailboxId, owner],
    );
  }

  async close(): Promise<void> {}
}
