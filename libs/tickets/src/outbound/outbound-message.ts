import { DeliveryStatus, MessageDirection, MessageEntity } from '@app/database';
import type { ReplyTokens } from '@app/mail';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';

export interface NewOutboundMessage {
  /** Given when attachments must be linked to the row in the same transaction. */
  id?: string;
  ticketId: string;
  ticketNumber: number;
  authorUserId: string | null;
  bodyText: string;
  autoSubmitted: boolean;
  bodyHtml?: string | null;
  /** Explicit recipients (a forward): a new conversation, not threaded under the customer's mail. */
  toAddresses?: string[] | null;
  cc?: string[];
  bcc?: string[];
  mailboxId?: string | null;
  forwardedMessageId?: string | null;
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
  const threaded = !input.toAddresses;
  const references =
    threaded && parent?.messageIdHeader ? [...parent.references, parent.messageIdHeader].slice(-MAX_REFERENCES) : [];
  const id = input.id ?? randomUUID();
  await m.insert(MessageEntity, {
    id,
    ticketId: input.ticketId,
    direction: MessageDirection.Out,
    internal: false,
    authorUserId: input.authorUserId,
    bodyText: input.bodyText,
    bodyHtml: input.bodyHtml ?? null,
    messageIdHeader: tokens.messageId(input.ticketNumber),
    inReplyTo: threaded ? (parent?.messageIdHeader ?? null) : null,
    references,
    deliveryStatus: DeliveryStatus.Queued,
    autoSubmitted: input.autoSubmitted,
    toAddresses: input.toAddresses ?? null,
    cc: input.cc ?? [],
    bcc: input.bcc ?? [],
    mailboxId: input.mailboxId ?? null,
    forwardedMessageId: input.forwardedMessageId ?? null,
  });
  return id;
}
