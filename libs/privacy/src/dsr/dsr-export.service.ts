import { AttachmentStorage, ContactEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { tarGz, type TarEntry } from './tar-writer';

export interface ExportArchive {
  fileName: string;
  data: Buffer;
  counts: { tickets: number; messages: number; attachments: number; consents: number; loginEvents: number };
}

/**
 * Everything held about a contact, as one .tar.gz: `export.json` (profile, tickets with messages
 * and history, consents, requests, and — if the same address is also a staff account — that
 * account and its login events) plus every attachment still stored, under `attachments/`.
 */
@Injectable()
export class DsrExportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: AttachmentStorage,
  ) {}

  /**
   * `customerCopy` (the customer portal's self-service download, issue 13) leaves out internal
   * notes and other people's messages on the contact's tickets (and their attachments): those reach
   * a customer only through a request that staff handle.
   */
  async build(contactId: string, requestId: string, options: { customerCopy?: boolean } = {}): Promise<ExportArchive> {
    const q = <T>(sql: string, params: unknown[]) => this.dataSource.query<T[]>(sql, params);
    const contact = await this.dataSource.getRepository(ContactEntity).findOneOrFail({ where: { id: contactId } });
    const tickets = await q<Record<string, unknown> & { id: string }>(
      `SELECT id, 'T-' || number AS reference, subject, status, priority, channel, created_at, updated_at,
              solved_at, closed_at
         FROM tickets WHERE contact_id = $1 ORDER BY created_at`,
      [contactId],
    );
    const ticketIds = tickets.map((t) => t.id);
    const messages = await q<Record<string, unknown> & { id: string; ticket_id: string }>(
      `SELECT id, ticket_id, direction, internal, author_contact_id = $2 AS written_by_you, body_text, body_html,
              message_id_header, in_reply_to, created_at, delivery_status
         FROM messages WHERE (ticket_id = ANY($1::uuid[]) OR author_contact_id = $2)
          AND NOT ($3 AND (internal OR (direction = 'in' AND author_contact_id IS DISTINCT FROM $2)))
        ORDER BY created_at`,
      [ticketIds, contactId, options.customerCopy === true],
    );
    const attachments = await q<{
      id: string;
      message_id: string;
      filename: string;
      content_type: string;
      size: string;
      storage_key: string | null;
    }>(
      `SELECT id, message_id, filename, content_type, size, storage_key FROM attachments
        WHERE message_id = ANY($1::uuid[]) ORDER BY id`,
      [messages.map((m) => m.id)],
    );
    const history = await q<Record<string, unknown> & { ticket_id: string }>(
      `SELECT ticket_id, type, field, old_value, new_value, actor_type, created_at FROM history_events
        WHERE ticket_id = ANY($1::uuid[]) ORDER BY id`,
      [ticketIds],
    );
    const consents = await q<Record<string, unknown>>(
      `SELECT purpose, granted, source, policy_version, ip_hash, created_at FROM consents
        WHERE contact_id = $1 ORDER BY created_at`,
      [contactId],
    );
    const requests = await q<Record<string, unknown>>(
      `SELECT id, type, status, created_at AS received_at, due_at, completed_at FROM data_subject_requests
        WHERE contact_id = $1 ORDER BY created_at`,
      [contactId],
    );
    const users = contact.email
      ? await q<{ id: string } & Record<string, unknown>>(
          `SELECT id, email, name, role, active, created_at FROM users WHERE email = $1`,
          [contact.email],
        )
      : [];
    const logins = users.length
      ? await q<Record<string, unknown>>(
          `SELECT success, ip, ip_truncated, browser, language, created_at FROM login_events
            WHERE user_id = ANY($1::uuid[]) ORDER BY id`,
          [users.map((u) => u.id)],
        )
      : [];

    const files: TarEntry[] = [];
    const attachmentsByMessage = new Map<string, unknown[]>();
    for (const a of attachments) {
      const data = a.storage_key ? await this.storage.get(a.storage_key) : null;
      const path = data ? `attachments/${a.id}-${safeName(a.filename)}` : null;
      if (data && path) files.push({ name: path, data });
      const list = attachmentsByMessage.get(a.message_id) ?? [];
      list.push({ filename: a.filename, contentType: a.content_type, size: Number(a.size), file: path });
      attachmentsByMessage.set(a.message_id, list);
    }
    const document = {
      format: 'intake-data-export/1',
      requestId,
      generatedAt: new Date().toISOString(),
      contact: {
        id: contact.id,
        email: contact.email,
        name: contact.name,
        company: contact.company,
        website: contact.website,
        phone: contact.phone,
        postalAddress: contact.postalAddress,
        createdAt: contact.createdAt,
        updatedAt: contact.updatedAt,
      },
      tickets: tickets.map((t) => ({
        ...t,
        messages: messages
          .filter((m) => m.ticket_id === t.id)
          .map((m) => ({ ...m, attachments: attachmentsByMessage.get(m.id) ?? [] })),
        history: history.filter((h) => h.ticket_id === t.id),
      })),
      messagesOnOtherTickets: messages
        .filter((m) => !ticketIds.includes(m.ticket_id))
        .map((m) => ({ ...m, attachments: attachmentsByMessage.get(m.id) ?? [] })),
      consents,
      requests,
      staffAccount: users.length ? { accounts: users, loginEvents: logins } : null,
    };
    const json = Buffer.from(JSON.stringify(document, null, 2), 'utf8');
    return {
      fileName: `intake-export-${requestId}.tar.gz`,
      data: tarGz([{ name: 'export.json', data: json }, ...files]),
      counts: {
        tickets: tickets.length,
        messages: messages.length,
        attachments: files.length,
        consents: consents.length,
        loginEvents: logins.length,
      },
    };
  }
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 50) || 'file';
}
