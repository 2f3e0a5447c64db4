import { ActorType, MessageDirection, MessageEntity } from '@app/database';
import { resolveAttachmentPlaceholders } from '@app/mail';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { StaffActor } from '../actor';
import { recordHistory } from '../history';
import { TicketError } from '../ticket.error';
import { inlineUploadIds, parseComposeInput } from './compose-input';
import { lockVisibleTicket } from './reply-to-ticket.usecase';
import { UploadsService } from './uploads.service';

/**
 * An internal note: a message row marked internal, never sent to the customer. Input as for a
 * reply (`{ body?, html?, attachmentIds? }` or a plain string), without recipients; uploads become
 * the note's attachments in the same transaction.
 */
@Injectable()
export class AddNote {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly uploads: UploadsService,
  ) {}

  async execute(actor: StaffActor, ticketIdOrReference: string, input: unknown): Promise<{ messageId: string }> {
    const composed = parseComposeInput(input);
    if (composed.to.length || composed.cc.length || composed.bcc.length) {
      throw new TicketError('invalid_ticket_change', 'An internal note has no recipients');
    }
    return this.dataSource.transaction(async (m) => {
      const ticket = await lockVisibleTicket(m, actor, ticketIdOrReference);
      const messageId = randomUUID();
      const attachmentIds = composed.attachmentIds.map(() => randomUUID());
      await m.insert(MessageEntity, {
        id: messageId,
        ticketId: ticket.id,
        direction: MessageDirection.Out,
        internal: true,
        authorUserId: actor.id,
        bodyText: composed.text,
        bodyHtml: composed.html ? resolveAttachmentPlaceholders(composed.html, attachmentIds) : null,
        deliveryStatus: null,
      });
      await this.uploads.claim(
        m,
        actor.id,
        messageId,
        composed.attachmentIds,
        attachmentIds,
        inlineUploadIds(composed),
      );
      await m.query('UPDATE tickets SET updated_at = now() WHERE id = $1', [ticket.id]);
      await recordHistory(m, {
        ticketId: ticket.id,
        actorType: ActorType.User,
        actorId: actor.id,
        type: 'note_added',
        field: 'message',
        newValue: messageId,
      });
      return { messageId };
    });
  }
}
