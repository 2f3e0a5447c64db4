import { DeliveryStatus, MessageDirection, MessageEntity } from '@app/database';
import type { ReplyTokens } from '@app/mail';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';

export interface NewOutboundMessage {
  ticketId: string;
  ticketNumber: number;
  authorUserId: string | null;
  bodyText: string;
  autoSubmitted: boolean;
}

const MAX_REFERENCES = 20;

/**
 * Inserts a queued outbound message with our signed Message-ID and the threading headers of the
 * conversation: In-Reply-To = the customer's latest mail (else the latest message with a
 * Message-ID), References =
 * its References plus its id (the last 20, as long chains are cut by some servers anyway).
 */
export async function insertOutboundMessage(
  m: EntityManager,
  tokens: ReplyTokens,
  input: NewOutboundMessage,
): Promise<string> {
  // The parent is the customer's latest mail (not our own acknowledgement, not an auto-reply).
  const latest = (where: string) =>
    m
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .where(`m.ticket_id = :id AND m.message_id_header IS NOT NULL AND m.internal = false AND ${where}`, {
        id: input.ticketId,
      })
      .orderBy('m.created_at', 'DESC')
      .getOne();
  const parent =
    (await latest(`m.direction = 'in' AND (m.classification IS NULL OR m.classification IN ('normal', 'bulk'))`)) ??
    (await latest('TRUE'));
  const references = parent?.messageIdHeader
    ? [...parent.references, parent.messageIdHeader].slice(-MAX_REFERENCES)
    : [];
  const id = randomUUID();
  await m.insert(MessageEntity, {
    id,
    ticketId: input.ticketId,
    direction: MessageDirection.Out,
    internal: false,
    authorUserId: input.authorUserId,
    bodyText: input.bodyText,
    bodyHtml: null,
    messageIdHeader: tokens.messageId(input.ticketNumber),
    inReplyTo: parent?.messageIdHeader ?? null,
    references,
    deliveryStatus: DeliveryStatus.Queued,
    autoSubmitted: input.autoSubmitted,
  });
  return id;
}
