import { ActorType } from '@app/database';
import type { ReplyTokens } from '@app/mail';
import type { EntityManager } from 'typeorm';
import { recordHistory } from '../history';
import { insertOutboundMessage } from './outbound-message';

export interface AcknowledgementInput {
  ticketId: string;
  ticketNumber: number;
  contactId: string;
  contactEmail: string;
  /** 0 disables acknowledgements. */
  limitPerHour: number;
}

export type AcknowledgementDecision =
  { queued: true; messageId: string } | { queued: false; reason: 'rate_limited' | 'disabled' | 'own_address' };

/**
 * Queues the "we received your request" mail for a NEW ticket, inside the caller's transaction.
 * Callers decide that the message deserves one (never for auto-replies, bounces, feedback or
 * loops); this function adds the last two brakes: never to our own address, and at most
 * `limitPerHour` automatic mails per recipient per hour — so two desks that auto-reply to each
 * other stop after N rounds even if neither marks its mail as automatic.
 */
export async function queueAcknowledgement(
  m: EntityManager,
  tokens: ReplyTokens,
  input: AcknowledgementInput,
): Promise<AcknowledgementDecision> {
  if (input.limitPerHour <= 0) return { queued: false, reason: 'disabled' };
  if (tokens.isOurAddress(input.contactEmail)) return { queued: false, reason: 'own_address' };
  // Serialise concurrent acknowledgements to the same contact so the count below is exact.
  await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ack:${input.contactId}`]);
  const rows = await m.query<Array<{ n: string }>>(
    `SELECT count(*) AS n FROM messages msg JOIN tickets t ON t.id = msg.ticket_id
      WHERE msg.auto_submitted AND t.contact_id = $1 AND msg.created_at > now() - interval '1 hour'`,
    [input.contactId],
  );
  if (Number(rows[0]?.n ?? 0) >= input.limitPerHour) return { queued: false, reason: 'rate_limited' };
  const messageId = await insertOutboundMessage(m, tokens, {
    ticketId: input.ticketId,
    ticketNumber: input.ticketNumber,
    authorUserId: null,
    bodyText: acknowledgementText(input.ticketNumber),
    autoSubmitted: true,
  });
  await recordHistory(m, {
    ticketId: input.ticketId,
    actorType: ActorType.System,
    actorId: null,
    type: 'acknowledgement_queued',
    field: 'message',
    newValue: messageId,
  });
  return { queued: true, messageId };
}

export function acknowledgementText(ticketNumber: number): string {
  return [
    'Hello,',
    '',
    `we have received your request. Its reference is T-${ticketNumber}.`,
    'To add anything, simply reply to this email and keep the reference in the subject.',
    '',
    'This is an automatic message.',
  ].join('\n');
}
