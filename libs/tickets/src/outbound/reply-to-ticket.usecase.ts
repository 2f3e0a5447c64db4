import { AppConfig } from '@app/config';
import { ActorType, formatTicketReference, TicketEntity, TicketStatus, type ContactEntity } from '@app/database';
import { ReplyTokens, resolveAttachmentPlaceholders } from '@app/mail';
import { QueueService } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { scopeOf, scopeSql, type StaffActor } from '../actor';
import { recordHistory } from '../history';
import { SqlParams } from '../sql-params';
import { ticketKeySql } from '../ticket-key';
import { TicketError } from '../ticket.error';
import { inlineUploadIds, parseComposeInput, type ComposedMessage } from './compose-input';
import { answeringMailbox, signatureBlock } from './identity';
import { insertOutboundMessage } from './outbound-message';
import { enqueueSend } from './send-job';
import { UploadsService } from './uploads.service';

export { MAX_REPLY_LENGTH } from './compose-input';

export interface ReplyToTicketResult {
  /** The new message row (direction out, delivery status `queued`). */
  messageId: string;
  ticketId: string;
}

/**
 * An agent's reply to the customer, by email. Input: plain text, or `{ body?, html?, cc?, bcc?,
 * attachmentIds? }` (see parseComposeInput: HTML is sanitised with the inbound allowlist and sent
 * as multipart/alternative with a text part; uploads become attachments, inline images `cid:`
 * parts). The mailbox the ticket arrived on answers it (From, Reply-To, signature, transport).
 *
 * Creates the outbound message row (status `queued`, our signed Message-ID, In-Reply-To/References
 * of the conversation) in one transaction, then enqueues `send-message`; the worker sends it and
 * records `sent` (with the time the SMTP server accepted it: the SLA's first response) or `failed`.
 * Errors: TicketError `ticket_not_found` (also for tickets the actor may not see),
 * `invalid_ticket_change` (bad input, or a contact without an address), `upload_not_found`.
 */
@Injectable()
export class ReplyToTicket {
  private readonly tokens: ReplyTokens;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    private readonly uploads: UploadsService,
    config: AppConfig,
  ) {
    this.tokens = new ReplyTokens(config.values.APP_SECRET, config.values.MAIL_FROM);
  }

  async execute(actor: StaffActor, idOrReference: string, input: unknown): Promise<ReplyToTicketResult> {
    const composed = parseComposeInput(input);
    let ticketId = '';
    const messageId = await this.dataSource.transaction(async (m) => {
      const ticket = await lockVisibleTicket(m, actor, idOrReference);
      ticketId = ticket.id;
      if (!ticket.contact?.email) throw new TicketError('invalid_ticket_change', 'The contact has no email address');
      const id = await this.insertComposed(m, actor, ticket, composed, {});
      // The first agent answer takes a ticket out of `new` (as in Zendesk and Zammad); other
      // statuses are the agent's choice and stay as they are. The SLA's first response is recorded
      // when the SMTP server accepts the reply (SendMessageHandler), not here.
      await m.query(
        `UPDATE tickets SET updated_at = now(),
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

  /**
   * Inserts one composed outbound message with the answering mailbox's identity and signature and
   * claims its uploads as attachments. Used for replies, forwards and agent-opened tickets.
   */
  async insertComposed(
    m: EntityManager,
    actor: StaffActor,
    ticket: TicketEntity,
    composed: ComposedMessage,
    options: { forwardedMessageId?: string; extraHtml?: string; extraText?: string },
  ): Promise<string> {
    const mailbox = await answeringMailbox(m, ticket.mailboxId);
    const contact: ContactEntity | undefined = ticket.contact;
    const signature = await signatureBlock(m, mailbox, actor.id, {
      'customer.name': contact?.name ?? '',
      'customer.email': contact?.email ?? '',
      'ticket.reference': formatTicketReference(ticket.number),
      'ticket.subject': ticket.subject,
      'agent.name': actor.name,
    });
    const id = randomUUID();
    const attachmentIds = composed.attachmentIds.map(() => randomUUID());
    const inline = inlineUploadIds(composed);
    const text = [composed.text, signature?.text, options.extraText].filter(Boolean).join('\n\n');
    const html = composed.html
      ? [resolveAttachmentPlaceholders(composed.html, attachmentIds), signature?.html, options.extraHtml]
          .filter(Boolean)
          .join('\n')
      : null;
    await insertOutboundMessage(m, this.tokens, {
      id,
      ticketId: ticket.id,
      ticketNumber: ticket.number,
      authorUserId: actor.id,
      bodyText: text,
      bodyHtml: html,
      autoSubmitted: false,
      toAddresses: composed.to.length ? composed.to : null,
      cc: composed.cc,
      bcc: composed.bcc,
      mailboxId: mailbox?.id ?? null,
      forwardedMessageId: options.forwardedMessageId ?? null,
    });
    await this.uploads.claim(m, actor.id, id, composed.attachmentIds, attachmentIds, inline);
    return id;
  }
}

/** The ticket (with its contact) if the actor may see it, locked for the rest of the transaction. */
export async function lockVisibleTicket(
  m: EntityManager,
  actor: StaffActor,
  idOrReference: string,
): Promise<TicketEntity> {
  const params = new SqlParams();
  const key = ticketKeySql(idOrReference, (v) => params.add(v));
  const visible = await m.query<Array<{ id: string }>>(
    `SELECT t.id FROM tickets t WHERE ${key} AND ${scopeSql(scopeOf(actor), (v) => params.add(v))} FOR UPDATE OF t`,
    params.values,
  );
  const row = visible[0];
  if (!row) throw new TicketError('ticket_not_found', 'Ticket not found');
  return m.findOneOrFail(TicketEntity, { where: { id: row.id }, relations: { contact: true } });
}
