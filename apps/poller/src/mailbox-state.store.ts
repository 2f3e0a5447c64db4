import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface MailboxStatusPatch {
  connected?: boolean;
  lastFetchAt?: Date;
  backlog?: number;
  lastError?: string | null;
}

/**
 * The poller's rows in mailbox_states: the UID cursor per UIDVALIDITY and the status that
 * /health reads from another process. Lease columns are left to the lock.
 */
@Injectable()
export class MailboxStateStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Last staged UID for this UIDVALIDITY; a different UIDVALIDITY starts the cursor again at 0. */
  async cursor(mailboxId: string, uidValidity: number): Promise<number> {
    // One round trip (the poller runs this before every sync): the row is created for a new
    // mailbox, reset for a new UIDVALIDITY, and only read otherwise (no new row version per sync).
    const rows = await this.dataSource.query<Array<{ last_uid: string }>>(
      `WITH up AS (
         INSERT INTO mailbox_states (mailbox_id, uid_validity) VALUES ($1, $2)
         ON CONFLICT (mailbox_id) DO UPDATE SET last_uid = 0, uid_validity = EXCLUDED.uid_validity
          WHERE mailbox_states.uid_validity IS DISTINCT FROM EXCLUDED.uid_validity
         RETURNING last_uid)
       SELECT last_uid FROM up
       UNION ALL
       SELECT last_uid FROM mailbox_states WHERE mailbox_id = $1 AND NOT EXISTS (SELECT 1 FROM up)`,
      [mailboxId, uidValidity],
    );
    return Number(rows[0]?.last_uid ?? 0);
  }

  async advance(mailboxId: string, uidValidity: number, uid: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE mailbox_states SET last_uid = GREATEST(last_uid, $3), updated_at = now()
        WHERE mailbox_id = $1 AND uid_validity = $2`,
      [mailboxId, uidValidity, uid],
    );
  }

  /** One upsert: the row may not exist yet for a new mailbox. */
  async status(mailboxId: string, patch: MailboxStatusPatch): Promise<void> {
    const columns: string[] = [];
    const params: unknown[] = [mailboxId];
    const add = (column: string, value: unknown): void => {
      params.push(value);
      columns.push(column);
    };
    if (patch.connected !== undefined) add('connected', patch.connected);
    if (patch.lastFetchAt !== undefined) add('last_fetch_at', patch.lastFetchAt);
    if (patch.backlog !== undefined) add('backlog', patch.backlog);
    if (patch.lastError !== undefined) add('last_error', patch.lastError);
    if (columns.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO mailbox_states (mailbox_id, ${columns.join(', ')})
       VALUES ($1, ${columns.map((_, i) => `$${i + 2}`).join(', ')})
       ON CONFLICT (mailbox_id) DO UPDATE
         SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now()`,
      params,
    );
  }
}
