import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { affected, TicketContentService } from './ticket-content.service';

export interface ContactCounts {
  contacts: number;
  consents: number;
  tickets: number;
  messages: number;
  attachments: number;
}

/**
 * Anonymises or deletes contacts. Anonymising keeps the row (tickets point at it, statistics
 * count them) but empties every personal field and removes consent records, whose keyed IP hash
 * is pseudonymous data with no purpose left once the person is gone.
 */
@Injectable()
export class ContactDataService {
  constructor(private readonly content: TicketContentService) {}

  async anonymise(m: EntityManager, contactIds: string[]): Promise<ContactCounts> {
    if (contactIds.length === 0) return zero();
    const consents = await m.query<[unknown[], number]>(`DELETE FROM consents WHERE contact_id = ANY($1::uuid[])`, [
      contactIds,
    ]);
    await m.query(
      `UPDATE data_subject_requests SET requested_changes = NULL
        WHERE contact_id = ANY($1::uuid[]) AND requested_changes IS NOT NULL`,
      [contactIds],
    );
    // Further addresses (issue 11) are personal data like the primary one.
    await m.query(`DELETE FROM contact_addresses WHERE contact_id = ANY($1::uuid[])`, [contactIds]);
    const updated = await m.query<[unknown[], number]>(
      `UPDATE contacts SET email = NULL, name = NULL, company = NULL, website = NULL, phone = NULL,
              postal_address = NULL, anonymized_at = COALESCE(anonymized_at, now())
        WHERE id = ANY($1::uuid[])
          AND (anonymized_at IS NULL OR email IS NOT NULL OR name IS NOT NULL OR company IS NOT NULL
               OR website IS NOT NULL OR phone IS NOT NULL OR postal_address IS NOT NULL)`,
      [contactIds],
    );
    return { ...zero(), contacts: affected(updated), consents: affected(consents) };
  }

  /** Deletes contacts and their tickets (history events stay: they hold ids only). */
  async delete(m: EntityManager, contactIds: string[]): Promise<ContactCounts> {
    if (contactIds.length === 0) return zero();
    const tickets = await m.query<Array<{ id: string }>>(`SELECT id FROM tickets WHERE contact_id = ANY($1::uuid[])`, [
      contactIds,
    ]);
    const content = await this.content.deleteTickets(
      m,
      tickets.map((t) => t.id),
    );
    // Their messages on other people's tickets lose the author link (FK SET NULL) and their text.
    const own = await m.query<Array<{ id: string }>>(
      `SELECT id FROM messages WHERE author_contact_id = ANY($1::uuid[])`,
      [contactIds],
    );
    const redacted = await this.content.redactMessages(
      m,
      own.map((r) => r.id),
    );
    const consents = await m.query<[unknown[], number]>(`DELETE FROM consents WHERE contact_id = ANY($1::uuid[])`, [
      contactIds,
    ]);
    await m.query(`UPDATE data_subject_requests SET requested_changes = NULL WHERE contact_id = ANY($1::uuid[])`, [
      contactIds,
    ]);
    const deleted = await m.query<[unknown[], number]>(`DELETE FROM contacts WHERE id = ANY($1::uuid[])`, [contactIds]);
    return {
      contacts: affected(deleted),
      consents: affected(consents),
      tickets: content.tickets,
      messages: content.messages + redacted.messages,
      attachments: content.attachments + redacted.attachments,
    };
  }
}

function zero(): ContactCounts {
  return { contacts: 0, consents: 0, tickets: 0, messages: 0, attachments: 0 };
}
