import { AttachmentStorage } from '@app/database';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

const DAY = 24 * 3600_000;

export function daysAgo(days: number): Date {
  return new Date(Date.now() - days * DAY);
}

export async function insertContact(
  ds: DataSource,
  values: { email: string; name: string; lastActivity?: Date; phone?: string },
): Promise<string> {
  const at = values.lastActivity ?? new Date();
  const [row] = await ds.query<Array<{ id: string }>>(
    `INSERT INTO contacts (email, name, phone, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
    [values.email, values.name, values.phone ?? null, at],
  );
  return row.id;
}

export interface TicketSeed {
  contactId: string;
  subject: string;
  status: 'new' | 'open' | 'pending' | 'solved' | 'closed';
  createdAt: Date;
  closedAt?: Date | null;
  mailboxId?: string | null;
  body?: string;
  reply?: string;
  attachment?: { filename: string; data: Buffer };
}

/** A ticket with one inbound message (and optionally an agent reply and an attachment). */
export async function insertTicket(ds: DataSource, storage: AttachmentStorage, seed: TicketSeed): Promise<string> {
  const activity = seed.closedAt ?? seed.createdAt;
  const [ticket] = await ds.query<Array<{ id: string }>>(
    `INSERT INTO tickets (subject, status, channel, contact_id, mailbox_id, last_message_at, closed_at, solved_at,
                          created_at, updated_at)
     VALUES ($1, $2, 'email', $3, $4, $5, $6, $6, $7, $5) RETURNING id`,
    [
      seed.subject,
      seed.status,
      seed.contactId,
      seed.mailboxId ?? null,
      activity,
      seed.closedAt ?? null,
      seed.createdAt,
    ],
  );
  const ticketId = ticket.id;
  const messageId = randomUUID();
  await ds.query(
    `INSERT INTO messages (id, ticket_id, direction, author_contact_id, body_text, body_html, message_id_header, created_at)
     VALUES ($1, $2, 'in', $3, $4, $5, $6, $7)`,
    [
      messageId,
      ticketId,
      seed.contactId,
      seed.body ?? `Body of ${seed.subject}`,
      `<p>${seed.body ?? seed.subject}</p>`,
      `<${randomUUID()}@mail.example>`,
      seed.createdAt,
    ],
  );
  if (seed.reply) {
    await ds.query(
      `INSERT INTO messages (ticket_id, direction, body_text, created_at, delivery_status)
       VALUES ($1, 'out', $2, $3, 'sent')`,
      [ticketId, seed.reply, activity],
    );
  }
  if (seed.attachment) {
    const key = randomUUID();
    await ds.transaction(async (m) => {
      await storage.put(m, key, seed.attachment!.data);
      await m.query(
        `INSERT INTO attachments (message_id, filename, content_type, size, sha256, storage_key)
         VALUES ($1, $2, 'application/pdf', $3, $4, $5)`,
        [messageId, seed.attachment!.filename, seed.attachment!.data.length, '0'.repeat(64), key],
      );
    });
  }
  return ticketId;
}

export async function insertMailbox(ds: DataSource, name: string): Promise<string> {
  const [row] = await ds.query<Array<{ id: string }>>(
    `INSERT INTO mailboxes (name, address, host, username, password_encrypted)
     VALUES ($1, $2, 'imap.example', 'u', 'x') RETURNING id`,
    [name, `${name}@desk.example`],
  );
  return row.id;
}
