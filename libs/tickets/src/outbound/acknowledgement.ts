import type { ReplyTokens } from '@app/mail';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/** Same bound as an agent's reply (outbound-message.ts). */
const MAX_REFERENCES = 20;

export interface AcknowledgementInput {
  ticketId: string;
  ticketNumber: number;
  contactId: string;
  contactEmail: string;
  /** The customer's message that opened the ticket: the acknowledgement is threaded under it. */
  parentMessageId: string | null;
  parentReferences: string[];
}

/** The outbound message to insert (direction out, queued, auto-submitted). */
export interface AcknowledgementMessage {
  id: string;
  ticketId: string;
  bodyText: string;
  messageIdHeader: string;
  inReplyTo: string | null;
  references: string[];
}

export type AcknowledgementDecision =
  | { queued: true; message: AcknowledgementMessage }
  | { queued: false; reason: 'rate_limited' | 'disabled' | 'own_address' };

/**
 * Decides the "we received your request" mails for NEW tickets, inside the caller's transaction
 * (which inserts the messages and their history). Callers decide that a message deserves one
 * (never for auto-replies, bounces, feedback or loops); this function adds the last two brakes:
 * never to our own address, and at most `limitPerHour` automatic mails per recipient per hour —
 * so two desks that auto-reply to each other stop after N rounds even if neither marks its mail
 * as automatic. Decisions come back in input order; several inputs for one contact count against
 * the same limit, in order.
 */
export async function decideAcknowledgements(
  m: EntityManager,
  tokens: ReplyTokens,
  inputs: AcknowledgementInput[],
  limitPerHour: number,
): Promise<AcknowledgementDecision[]> {
  const decisions: AcknowledgementDecision[] = inputs.map((input) =>
    limitPerHour <= 0
      ? { queued: false, reason: 'disabled' }
      : tokens.isOurAddress(input.contactEmail)
        ? { queued: false, reason: 'own_address' }
        : { queued: false, reason: 'rate_limited' },
  );
  const eligible = inputs.flatMap((input, i) =>
    limitPerHour > 0 && !tokens.isOurAddress(input.contactEmail) ? [{ input, i }] : [],
  );
  if (eligible.length === 0) return decisions;
  const contactIds = [...new Set(eligible.map((e) => e.input.contactId))].sort();
  // Serialise concurrent acknowledgements to the same contact so the counts below are exact
  // (locks taken in a fixed order: two transactions never wait on each other in a cycle).
  await m.query(
    `SELECT pg_advisory_xact_lock(hashtext('ack:' || c)) FROM (SELECT unnest($1::text[]) AS c ORDER BY 1) s`,
    [contactIds],
  );
  const counted = await m.query<Array<{ contact_id: string; n: string }>>(
    `SELECT t.contact_id, count(*) AS n FROM messages msg JOIN tickets t ON t.id = msg.ticket_id
      WHERE msg.auto_submitted AND t.contact_id = ANY($1::uuid[]) AND msg.created_at > now() - interval '1 hour'
      GROUP BY t.contact_id`,
    [contactIds],
  );
  const sent = new Map(counted.map((c) => [c.contact_id, Number(c.n)]));
  for (const { input, i } of eligible) {
    const n = sent.get(input.contactId) ?? 0;
    if (n >= limitPerHour) continue;
    sent.set(input.contactId, n + 1);
    const parent = input.parentMessageId;
    decisions[i] = {
      queued: true,
      message: {
        id: randomUUID(),
        ticketId: input.ticketId,
        bodyText: acknowledgementText(input.ticketNumber),
        messageIdHeader: tokens.messageId(input.ticketNumber),
        inReplyTo: parent,
        references: parent ? [...input.parentReferences, parent].slice(-MAX_REFERENCES) : [],
      },
    };
  }
  return decisions;
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
