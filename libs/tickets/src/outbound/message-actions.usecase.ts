import {
  ActorType,
  AttachmentEntity,
  AttachmentStorage,
  DeliveryStatus,
  MessageDirection,
  MessageEntity,
} from '@app/database';
import { QueueService } from '@app/queue';
import { isUuid } from '@app/common';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { StaffActor } from '../actor';
import { recordHistory } from '../history';
import { TicketError } from '../ticket.error';
import { escapeHtml, parseComposeInput } from './compose-input';
import { lockVisibleTicket, ReplyToTicket } from './reply-to-ticket.usecase';
import { enqueueSend, enqueueSends } from './send-job';

/**
 * Actions on one message of a ticket: forward it (with its attachments) to outside addresses, and
 * retry an outbound message that failed or is waiting on a fixable cause.
 */
@Injectable()
export class MessageActions {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    private readonly storage: AttachmentStorage,
    private readonly reply: ReplyToTicket,
  ) {}

  /**
   * Forwards message `messageId` of the ticket to `to` (required), with an optional note of the
   * agent's own above it. A new conversation for the recipients (subject `Fwd: … [T-n]`, no
   * In-Reply-To); the original's attachments go along (copied, so retention of one never empties
   * the other). Internal notes cannot be forwarded.
   */
  async forward(
    actor: StaffActor,
    ticketIdOrReference: string,
    messageId: string,
    input: unknown,
  ): Promise<{ messageId: string }> {
    const composed = parseComposeInput(input, { allowEmpty: true });
    if (composed.to.length === 0) throw new TicketError('invalid_ticket_change', 'to needs at least one address');
    const id = await this.dataSource.transaction(async (m) => {
      const ticket = await lockVisibleTicket(m, actor, ticketIdOrReference);
      const original = isUuid(messageId)
        ? await m.findOne(MessageEntity, {
            where: { id: messageId, ticketId: ticket.id, internal: false },
            relations: { authorContact: true, authorUser: true },
          })
        : null;
      if (!original) throw new TicketError('message_not_found', 'No such message on this ticket');
      const author =
        original.direction === MessageDirection.In
          ? (original.authorContact?.email ?? 'the customer')
          : (original.authorUser?.name ?? 'support');
      const header = [
        '---------- Forwarded message ----------',
        `From: ${author}`,
        `Date: ${original.createdAt.toUTCString()}`,
        `Subject: ${ticket.subject}`,
      ];
      const extraText = [...header, '', original.bodyTextVisible ?? original.bodyText].join('\n');
      const extraHtml = `<p>${header.map(escapeHtml).join('<br>')}</p>${
        original.bodyHtml ?? `<p>${escapeHtml(original.bodyText).replace(/\n/g, '<br>')}</p>`
      }`;
      const newId = await this.reply.insertComposed(
        m,
        actor,
        ticket,
        { ...composed, html: composed.html ?? (composed.text ? `<p>${escapeHtml(composed.text)}</p>` : '') },
        { forwardedMessageId: original.id, extraText, extraHtml },
      );
      const originals = await m.find(AttachmentEntity, { where: { messageId: original.id } });
      for (const a of originals) {
        const data = a.storageKey ? await this.storage.get(a.storageKey) : null;
        if (!data) continue;
        const storageKey = randomUUID();
        await this.storage.put(m, storageKey, data);
        await m.insert(AttachmentEntity, {
          messageId: newId,
          filename: a.filename,
          contentType: a.contentType,
          size: a.size,
          sha256: a.sha256,
          contentId: a.contentId,
          inline: a.inline,
          storageKey,
          neverInline: a.neverInline,
          declaredContentType: a.declaredContentType,
        });
      }
      await recordHistory(m, {
        ticketId: ticket.id,
        actorType: ActorType.User,
        actorId: actor.id,
        type: 'message_forwarded',
        field: 'message',
        oldValue: original.id,
        newValue: newId,
      });
      return newId;
    });
    await enqueueSend(this.queue, id);
    return { messageId: id };
  }

  /**
   * Sends a failed outbound message again (the agent fixed the address, the server is back), or
   * nudges one still queued with a reason (SMTP down, login refused). A sent message cannot be
   * retried (409 `retry_not_possible`), nor one the worker is sending right now.
   */
  async retry(actor: StaffActor, ticketIdOrReference: string, messageId: string): Promise<{ messageId: string }> {
    await this.dataSource.transaction(async (m) => {
      const ticket = await lockVisibleTicket(m, actor, ticketIdOrReference);
      const message = isUuid(messageId)
        ? await m.findOneBy(MessageEntity, { id: messageId, ticketId: ticket.id, direction: MessageDirection.Out })
        : null;
      if (!message || message.internal) throw new TicketError('message_not_found', 'No such message on this ticket');
      const waiting = message.deliveryStatus === DeliveryStatus.Queued && message.deliveryError !== null;
      if (message.deliveryStatus !== DeliveryStatus.Failed && !waiting) {
        throw new TicketError('retry_not_possible', `The message is ${message.deliveryStatus}; nothing to retry`);
      }
      await m.update(MessageEntity, { id: message.id }, { deliveryStatus: DeliveryStatus.Queued, deliveryError: null });
      await recordHistory(m, {
        ticketId: ticket.id,
        actorType: ActorType.User,
        actorId: actor.id,
        type: 'message_retried',
        field: 'delivery_status',
        oldValue: message.deliveryStatus,
        newValue: DeliveryStatus.Queued,
      });
    });
    // The failed job keeps the message's job id; replace it so the new job is not swallowed.
    await enqueueSends(this.queue, [messageId], { replaceFailed: true });
    return { messageId };
  }
}
