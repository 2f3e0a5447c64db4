import { AppConfig } from '@app/config';
import { ActorType, TicketEntity, TicketStatus } from '@app/database';
import { ReplyTokens } from '@app/mail';
import { QueueService } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { scopeOf, scopeSql, type StaffActor } from '../actor';
import { recordHistory } from '../history';
import { SqlParams } from '../sql-params';
import { ticketKeySql } from '../ticket-key';
import { TicketError } from '../ticket.error';
import { insertOutboundMessage } from './outbound-message';
import { enqueueSend } from './send-job';

export const MAX_REPLY_LENGTH = 100_000;

export interface ReplyToTicketResult {
  /** The new message row (direction out, delivery status `queued`). */
  messageId: string;
  ticketId: string;
}

/**
 * An agent's reply to the customer, by email. Creates the outbound message row (status `queued`,
 * our signed Message-ID, In-Reply-To/References of the conversation) in one transaction, then
 * enqueues `send-message` with the row id; the outbound processor sends it and records `sent` or
 * `failed` on the row. Call from controllers as `execute(actor, ticketId, body)`; the body is
 * validated here (plain text, 1–100,000 characters). Errors: TicketError `ticket_not_found` (also
 * for tickets the actor may not see), `invalid_ticket_change` (empty or too long body, or a ticket
 * whose contact has no address).
 */
@Injectable()
export class ReplyToTicket {
  private readonly tokens: ReplyTokens;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    config: AppConfig,
  ) {
    this.tokens = new ReplyTokens(config.values.APP_SECRET, config.values.MAIL_FROM);
  }

  async execute(actor: StaffActor, idOrReference: string, body: unknown): Promise<ReplyToTicketResult> {
    const text = typeof body === 'string' ? body.replace(/\r\n?/g, '\n').trim() : '';
    if (!text || text.length > MAX_REPLY_LENGTH) {
      throw new TicketError('invalid_ticket_change', `body must be 1–${MAX_REPLY_LENGTH} characters`);
    }
    const params = new SqlParams();
    const key = ticketKeySql(idOrReference, (v) => params.add(v));
    let ticketId = '';
    const messageId = await this.dataSource.transaction(async (m) => {
      const visible = await m.query<Array<{ id: string; email: string | null }>>(
        `SELECT t.id, c.email FROM tickets t JOIN contacts c ON c.id = t.contact_id
          WHERE ${key} AND ${scopeSql(scopeOf(actor), (v) => params.add(v))}
          FOR UPDATE OF t`,
        params.values,
      );
      const row = visible[0];
      if (!row) throw new TicketError('ticket_not_found', 'Ticket not found');
      if (!row.email) throw new TicketError('invalid_ticket_change', 'The contact has no email address');
      ticketId = row.id;
      const ticket = await m.findOneByOrFail(TicketEntity, { id: ticketId });
      const id = await insertOutboundMessage(m, this.tokens, {
        ticketId,
        ticketNumber: ticket.number,
        authorUserId: actor.id,
        bodyText: text,
        autoSubmitted: false,
      });
      // The first agent answer takes a ticket out of `new` (as in Zendesk and Zammad); other
      // statuses are the agent's choice and stay as they are.
      await m.query(
        `UPDATE tickets SET updated_at = now(), first_response_at = COALESCE(first_response_at, now()),
                status = CASE WHEN status = 'new' THEN 'open'::ticket_status ELSE status END
          WHERE id = $1`,
        [ticketId],
      );
      if (ticket.status === TicketStatus.New) {
        await recordHistory(m, {
          ticketId,
          actorType: ActorType.User,
          actorId: actor.id,
          type: 'field_changed',
          field: 'status',
          oldValue: TicketStatus.New,
          newValue: TicketStatus.Open,
        });
      }
      await recordHistory(m, {
        ticketId,
        actorType: ActorType.User,
        actorId: actor.id,
        type: 'reply_queued',
        field: 'message',
        newValue: id,
      });
      return id;
    });
    // After commit: a crash between commit and enqueue leaves the row `queued`; the outbound
    // requeue at worker start picks it up (see RequeueOutbound).
    await enqueueSend(this.queue, messageId);
    return { messageId, ticketId };
  }
}
