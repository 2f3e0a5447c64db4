import { MessageDirection, MessageEntity, TicketEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import type { StoredMessageRef, ThreadStore, TicketRef } from './thread-store';

/**
 * Delivery and feedback reports are filed on a ticket but never make their sender a participant:
 * a report's sender is whoever claims to be a mail server, so it must not earn the right to thread
 * later mail by subject or by a customer's Message-ID.
 */
const NOT_PARTICIPATING = ['bounce', 'feedback'];

/** ThreadStore on PostgreSQL: read-only queries, safe to use from `mail inspect`. */
@Injectable()
export class DbThreadStore implements ThreadStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async ticketByNumber(ticketNumber: number): Promise<TicketRef | null> {
    const t = await this.dataSource.getRepository(TicketEntity).findOne({ where: { number: ticketNumber } });
    return t ? { ticketId: t.id, number: t.number, status: t.status } : null;
  }

  async messagesByHeaderIds(ids: string[]): Promise<StoredMessageRef[]> {
    if (ids.length === 0) return [];
    const rows = await this.dataSource
      .getRepository(MessageEntity)
      .find({ where: { messageIdHeader: In(ids.slice(0, 100)) }, relations: { ticket: true } });
    return rows.flatMap((m) =>
      m.ticket && m.messageIdHeader
        ? [
            {
              ticketId: m.ticketId,
              number: m.ticket.number,
              status: m.ticket.status,
              messageIdHeader: m.messageIdHeader,
              outbound: m.direction === MessageDirection.Out,
            },
          ]
        : [],
    );
  }

  async isParticipant(ticketId: string, address: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM tickets t JOIN contacts c ON c.id = t.contact_id
        WHERE t.id = $1 AND c.email = $2
       UNION ALL
       SELECT 1 FROM tickets t JOIN contact_addresses a ON a.contact_id = t.contact_id
        WHERE t.id = $1 AND a.email = $2
       UNION ALL
       SELECT 1 FROM messages m JOIN contacts c ON c.id = m.author_contact_id
        WHERE m.ticket_id = $1 AND c.email = $2 AND (m.classification IS NULL OR m.classification <> ALL($3::text[]))
       LIMIT 1`,
      [ticketId, address.toLowerCase(), NOT_PARTICIPATING],
    );
    return rows.length > 0;
  }
}
