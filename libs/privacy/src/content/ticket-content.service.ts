import { AttachmentStorage } from '@app/database';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** What replaces removed text; short, obviously deliberate, and free of personal data. */
export const REDACTED = '[redacted]';

export interface RedactOptions {
  reason: 'retention' | 'erasure';
  /**
   * Erasure also drops mail headers (Message-ID, In-Reply-To, References) and delivery errors,
   * which can quote addresses. Retention keeps headers so a late reply still finds its ticket.
   */
  dropHeaders: boolean;
}

export interface ContentCounts {
  tickets: number;
  messages: number;
  attachments: number;
}

/**
 * Removes the personal content of tickets — subject, message bodies, attachment names and bytes —
 * while the ticket row, its status, times, channel, mailbox and group stay, so history and
 * statistics remain. Every step is idempotent: running it twice changes nothing the second time.
 */
@Injectable()
export class TicketContentService {
  private bodyColumns: Promise<string[]> | null = null;

  constructor(private readonly storage: AttachmentStorage) {}

  /**
   * Every nullable `body_*` column of messages besides body_text (body_html, and derived copies
   * such as the visible/quoted split): all of them are message content, so all are cleared. Found
   * at run time so that a column added later cannot be forgotten here.
   */
  private extraBodyColumns(m: EntityManager): Promise<string[]> {
    this.bodyColumns ??= m
      .query<Array<{ column_name: string }>>(
        `SELECT column_name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = 'messages'
            AND column_name LIKE 'body\\_%' AND column_name <> 'body_text' AND is_nullable = 'YES'
          ORDER BY column_name`,
      )
      .then((rows) => rows.map((r) => r.column_name));
    return this.bodyColumns;
  }

  private async clearBodies(m: EntityManager): Promise<{ set: string; dirty: string }> {
    const columns = await this.extraBodyColumns(m);
    return {
      set: columns.map((c) => `, "${c}" = NULL`).join(''),
      dirty: columns.map((c) => ` OR "${c}" IS NOT NULL`).join(''),
    };
  }

  async redactTickets(m: EntityManager, ticketIds: string[], options: RedactOptions): Promise<ContentCounts> {
    if (ticketIds.length === 0) return { tickets: 0, messages: 0, attachments: 0 };
    const attachments = await this.dropAttachments(
      m,
      `SELECT a.id, a.storage_key FROM attachments a JOIN messages msg ON msg.id = a.message_id
        WHERE msg.ticket_id = ANY($1::uuid[]) AND (a.storage_key IS NOT NULL OR a.filename <> $2)`,
      [ticketIds, REDACTED],
    );
    const headers = options.dropHeaders
      ? `, message_id_header = NULL, in_reply_to = NULL, "references" = '{}', delivery_error = NULL`
      : '';
    const bodies = await this.clearBodies(m);
    const messages = await m.query<[unknown[], number]>(
      `UPDATE messages SET body_text = $2${bodies.set}${headers}
        WHERE ticket_id = ANY($1::uuid[])
          AND (body_text <> $2${bodies.dirty}${options.dropHeaders ? ' OR message_id_header IS NOT NULL OR in_reply_to IS NOT NULL OR delivery_error IS NOT NULL' : ''})`,
      [ticketIds, REDACTED],
    );
    await m.query(`UPDATE tickets SET subject = $2 WHERE id = ANY($1::uuid[]) AND subject <> $2`, [
      ticketIds,
      REDACTED,
    ]);
    if (options.dropHeaders) {
      await m.query(
        `UPDATE inbound_messages SET raw = NULL, message_id_header = NULL
          WHERE ticket_id = ANY($1::uuid[]) AND (raw IS NOT NULL OR message_id_header IS NOT NULL)`,
        [ticketIds],
      );
    }
    const marked = await m.query<Array<{ ticket_id: string }>>(
      `INSERT INTO ticket_redactions (ticket_id, reason) SELECT unnest($1::uuid[]), $2
        ON CONFLICT (ticket_id) DO NOTHING RETURNING ticket_id`,
      [ticketIds, options.reason],
    );
    return { tickets: marked.length, messages: affected(messages), attachments };
  }

  /** Redacts single messages (a contact's own messages on tickets that are not theirs). */
  async redactMessages(m: EntityManager, messageIds: string[]): Promise<ContentCounts> {
    if (messageIds.length === 0) return { tickets: 0, messages: 0, attachments: 0 };
    const attachments = await this.dropAttachments(
      m,
      `SELECT a.id, a.storage_key FROM attachments a
        WHERE a.message_id = ANY($1::uuid[]) AND (a.storage_key IS NOT NULL OR a.filename <> $2)`,
      [messageIds, REDACTED],
    );
    const bodies = await this.clearBodies(m);
    const messages = await m.query<[unknown[], number]>(
      `UPDATE messages SET body_text = $2${bodies.set}, message_id_header = NULL, in_reply_to = NULL,
              "references" = '{}', delivery_error = NULL
        WHERE id = ANY($1::uuid[])`,
      [messageIds, REDACTED],
    );
    return { tickets: 0, messages: affected(messages), attachments };
  }

  /** Deletes tickets with everything hanging off them; attachment bytes go first. */
  async deleteTickets(m: EntityManager, ticketIds: string[]): Promise<ContentCounts> {
    if (ticketIds.length === 0) return { tickets: 0, messages: 0, attachments: 0 };
    const attachments = await this.dropAttachments(
      m,
      `SELECT a.id, a.storage_key FROM attachments a JOIN messages msg ON msg.id = a.message_id
        WHERE msg.ticket_id = ANY($1::uuid[]) AND a.storage_key IS NOT NULL AND $2::text IS NOT NULL`,
      [ticketIds, REDACTED],
    );
    const messages = await m.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM messages WHERE ticket_id = ANY($1::uuid[])`,
      [ticketIds],
    );
    await m.query(
      `UPDATE inbound_messages SET raw = NULL, message_id_header = NULL WHERE ticket_id = ANY($1::uuid[])`,
      [ticketIds],
    );
    const deleted = await m.query<[unknown[], number]>(`DELETE FROM tickets WHERE id = ANY($1::uuid[])`, [ticketIds]);
    return { tickets: affected(deleted), messages: Number(messages[0]?.n ?? 0), attachments };
  }

  private async dropAttachments(m: EntityManager, select: string, params: unknown[]): Promise<number> {
    const rows = await m.query<Array<{ id: string; storage_key: string | null }>>(select, params);
    for (const row of rows) if (row.storage_key) await this.storage.delete(m, row.storage_key);
    if (rows.length > 0) {
      await m.query(
        `UPDATE attachments SET storage_key = NULL, filename = $2, content_id = NULL WHERE id = ANY($1::uuid[])`,
        [rows.map((r) => r.id), REDACTED],
      );
    }
    return rows.length;
  }
}

/** Row count of an UPDATE/DELETE through EntityManager.query (pg returns [rows, count]). */
export function affected(result: unknown): number {
  if (Array.isArray(result) && typeof result[1] === 'number') return result[1];
  return 0;
}
