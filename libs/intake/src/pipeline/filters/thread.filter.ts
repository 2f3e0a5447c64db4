import type { ReplyTokens } from '@app/mail';
import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';
import type { ThreadStore } from '../thread/thread-store';

const SUBJECT_REF = /\[(?:T-|#)(\d{1,15})\]/i;

/**
 * Finds the ticket a message belongs to, strongest evidence first:
 * 1. a bounce: the original Message-ID in the report, only when it is one of OUR outbound messages
 *    (anyone can send a report naming a customer's Message-ID; only our own sent mail can bounce);
 * 2. our signed reply token, in the plus-addressed recipient or in In-Reply-To/References
 *    (an HMAC nobody can forge, so no sender check is needed);
 * 3. In-Reply-To/References naming a stored message — our own outbound ones are trusted like the
 *    token, a stored inbound one only when the sender is a participant of that ticket;
 * 4. `[T-10042]` in the subject, only when the sender is that ticket's contact or a participant.
 * A third party quoting a reference therefore gets a new ticket, never someone else's thread.
 */
export class ThreadFilter implements IntakeFilter {
  readonly name = 'thread';

  constructor(
    private readonly store: ThreadStore,
    private readonly tokens: ReplyTokens | null,
  ) {}

  async run(ctx: IntakeContext): Promise<void> {
    const message = ctx.message;
    const sender = ctx.sender?.address;
    if (!message || !sender || ctx.form) return;
    const rejected: string[] = [];

    const original = ctx.classificationDetail.bounce?.originalMessageId;
    if (original) {
      const hit = (await this.store.messagesByHeaderIds([original])).find((r) => r.outbound);
      if (hit) {
        ctx.thread = { ticketId: hit.ticketId, reason: 'bounce-original' };
        return;
      }
      rejected.push('bounce_original_not_ours');
    }

    if (this.tokens) {
      const candidates = [
        ...message.to.map((a) => a.address),
        ...message.cc.map((a) => a.address),
        ...(message.headers.get('delivered-to') ?? []),
        ...(message.headers.get('x-original-to') ?? []),
      ].filter((a) => this.tokens!.isOurAddress(a.replace(/[<>]/g, '').trim()));
      // Our own message coming back (a loop) names its ticket in its own Message-ID.
      const own = ctx.classification === 'loop' ? [message.messageId] : [];
      const idHeaders = [...own, message.inReplyTo, ...message.references].filter((v): v is string => !!v);
      const tokenNumber =
        candidates.map((a) => this.tokens!.verify(a)).find((n) => n !== null) ??
        idHeaders
          .map((id) => (this.tokens!.isOurMessageId(id) ? this.tokens!.verify(id) : null))
          .find((n) => n !== null);
      if (tokenNumber !== undefined && tokenNumber !== null) {
        const ticket = await this.store.ticketByNumber(tokenNumber);
        if (ticket) {
          ctx.thread = { ticketId: ticket.ticketId, reason: 'token' };
          return;
        }
        rejected.push('token_ticket_missing');
      }
    }

    const ids = [message.inReplyTo, ...message.references.slice().reverse()].filter((v): v is string => !!v);
    if (ids.length > 0) {
      const rows = await this.store.messagesByHeaderIds(ids);
      for (const id of ids) {
        const hit = rows.find((r) => r.messageIdHeader === id);
        if (!hit) continue;
        if (hit.outbound || (await this.store.isParticipant(hit.ticketId, sender))) {
          ctx.thread = { ticketId: hit.ticketId, reason: id === message.inReplyTo ? 'in-reply-to' : 'references' };
          return;
        }
        rejected.push('header_ref_sender_mismatch');
        break;
      }
    }

    const ref = SUBJECT_REF.exec(message.subject);
    if (ref) {
      const ticket = await this.store.ticketByNumber(Number(ref[1]));
      if (ticket && (await this.store.isParticipant(ticket.ticketId, sender))) {
        ctx.thread = { ticketId: ticket.ticketId, reason: 'subject' };
        return;
      }
      rejected.push(ticket ? 'subject_ref_sender_mismatch' : 'subject_ref_unknown');
    }
    ctx.thread = { ticketId: null, reason: 'new', ...(rejected.length ? { rejected } : {}) };
  }
}
