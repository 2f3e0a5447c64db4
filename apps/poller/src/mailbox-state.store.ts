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
    await this.dataSource.query(`INSERT INTO mailbox_states (mailbox_id) VALUES ($1) ON CONFLICT DO NOTHING`, [
      mailboxId,
    ]);
    // TypeORM answers an UPDATE with [rows, affected count], not with the rows alone.
    const [rows] = await this.dataSource.query<[Array<{ last_uid: string }>, number]>(
      `UPDATE mailbox_states
          SET last_uid = CASE WHEN uid_validity IS NOT DISTINCT FROM $2 THEN last_uid ELSE 0 END,
              uid_validity = $2
        WHERE mailbox_id = $1
        RETURNING last_uid`,
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
