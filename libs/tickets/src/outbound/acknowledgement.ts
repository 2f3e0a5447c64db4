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
  /**
   * True when the caller took the locks of `acknowledgementLockKeys` in an EARLIER statement of
   * this transaction (`ackLockSql`): one round trip less. Never in the statement that counts: under
   * READ COMMITTED its snapshot would be older than the lock, and miss the acknowledgements a
   * concurrent transaction committed while this one waited.
   */
  locked = false,
): Promise<AcknowledgementDecision[]> {
  const decisions: AcknowledgementDecision[] = inputs.map((input) =>
    limitPerHour <= 0
      ? { queued: false, reason: 'disabled' }
      : tokens.isOurAddress(input.contactEmail)
        ? { queued: false, reason: 'own_address' }
        : { queued: false, reason: 'rate_limited' },
  );
  const eligible = inputs.flatMap((input, i) =>
    mayAcknowledge(tokens, input.contactEmail, limitPerHour) ? [{ input, i }] : [],
  );
  if (eligible.length === 0) return decisions;
  const contactIds = acknowledgementLockKeys(tokens, inputs, limitPerHour);
  if (!locked) await m.query(`SELECT ${ackLockSql('$1')}`, [contactIds]);
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

/**
 * The contacts whose acknowledgement counts must be exact: those `decideAcknowledgements` may
 * answer. Sorted, so two transactions lock them in the same order and never wait on each other in
 * a cycle.
 */
export function acknowledgementLockKeys(
  tokens: ReplyTokens,
  inputs: Array<Pick<AcknowledgementInput, 'contactId' | 'contactEmail'>>,
  limitPerHour: number,
): string[] {
  const answered = inputs.filter((i) => mayAcknowledge(tokens, i.contactEmail, limitPerHour));
  return [...new Set(answered.map((i) => i.contactId))].sort();
}

/** Whether an address may get an acknowledgement at all (before the hourly count). */
function mayAcknowledge(tokens: ReplyTokens, email: string, limitPerHour: number): boolean {
  return limitPerHour > 0 && !tokens.isOurAddress(email);
}

/**
 * An SQL expression that serialises concurrent acknowledgements to the contacts in the text[]
 * parameter `ids` (transaction-scoped advisory locks, taken in order) and counts them; to embed
 * in a statement the caller sends anyway.
 */
export function ackLockSql(ids: string): string {
  return `(SELECT count(l) FROM (SELECT pg_advisory_xact_lock(hashtext('ack:' || c))::text AS l
            FROM (SELECT unnest(${ids}::text[]) AS c ORDER BY 1) o) s)`;
}
