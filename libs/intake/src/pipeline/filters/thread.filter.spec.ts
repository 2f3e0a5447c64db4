import { TicketStatus } from '@app/database';
import { ReplyTokens } from '@app/mail';
import { createContext } from '../intake-context';
import { detachedInbound } from '../inspect-message';
import type { StoredMessageRef, ThreadStore } from '../thread/thread-store';
import { ThreadFilter } from './thread.filter';

const tokens = new ReplyTokens('s'.repeat(32), 'support@desk.test');
const T = { ticketId: 'ticket-1', number: 10042, status: TicketStatus.Open };
const store: ThreadStore = {
  ticketByNumber: async (n) => (n === 10042 ? T : null),
  messagesByHeaderIds: async (ids) =>
    ids.flatMap((id): StoredMessageRef[] =>
      id === '<inbound@customer.test>'
        ? [{ ...T, messageIdHeader: id, outbound: false }]
        : id === '<ours@desk.test>'
          ? [{ ...T, messageIdHeader: id, outbound: true }]
          : [],
    ),
  isParticipant: async (_t, address) => address === 'alice@customer.test',
};

function ctxWith(from: string, patch: Partial<{ subject: string; to: string; inReplyTo: string }>) {
  const ctx = createContext(detachedInbound(), Buffer.alloc(0));
  ctx.sender = { address: from, name: null };
  ctx.message = {
    from: ctx.sender,
    replyTo: [],
    to: [{ address: patch.to ?? 'support@desk.test', name: null }],
    cc: [],
    subject: patch.subject ?? 'hello',
    text: '',
    html: null,
    messageId: '<new@x>',
    inReplyTo: patch.inReplyTo ?? null,
    references: [],
    date: null,
    headers: new Map(),
    attachments: [],
  };
  return ctx;
}

async function thread(ctx: ReturnType<typeof ctxWith>) {
  await new ThreadFilter(store, tokens).run(ctx);
  return ctx.thread;
}

describe('ThreadFilter', () => {
  it('threads by a valid token in the plus address, from anyone', async () => {
    expect(await thread(ctxWith('bob@other.test', { to: tokens.replyToAddress(10042) }))).toEqual({
      ticketId: 'ticket-1',
      reason: 'token',
    });
  });

  it('ignores a forged token', async () => {
    const t = await thread(ctxWith('bob@other.test', { to: 'support+t10042-0000000000000000@desk.test' }));
    expect(t.ticketId).toBeNull();
  });

  it('threads by In-Reply-To to our outbound message, and to an inbound one only for a participant', async () => {
    expect((await thread(ctxWith('bob@other.test', { inReplyTo: '<ours@desk.test>' }))).ticketId).toBe('ticket-1');
    expect((await thread(ctxWith('alice@customer.test', { inReplyTo: '<inbound@customer.test>' }))).reason).toBe(
      'in-reply-to',
    );
    const stranger = await thread(ctxWith('mallory@evil.test', { inReplyTo: '<inbound@customer.test>' }));
    expect(stranger.ticketId).toBeNull();
  });

  it('threads by [T-10042] in the subject only for the contact or a participant', async () => {
    expect(await thread(ctxWith('alice@customer.test', { subject: 'Re: hello [T-10042]' }))).toEqual({
      ticketId: 'ticket-1',
      reason: 'subject',
    });
    expect(await thread(ctxWith('mallory@evil.test', { subject: 'Re: hello [T-10042]' }))).toEqual({
      ticketId: null,
      reason: 'new',
      rejected: ['subject_ref_sender_mismatch'],
    });
  });

  it('files a bounce by its original Message-ID only when that is our outbound message', async () => {
    const bounce = (original: string) => {
      const ctx = ctxWith('mailer-daemon@mx.test', {});
      ctx.classification = 'bounce';
      ctx.classificationDetail.bounce = { recipients: [], originalMessageId: original, permanent: true };
      return ctx;
    };
    expect(await thread(bounce('<ours@desk.test>'))).toEqual({ ticketId: 'ticket-1', reason: 'bounce-original' });
    expect(await thread(bounce('<inbound@customer.test>'))).toEqual({
      ticketId: null,
      reason: 'new',
      rejected: ['bounce_original_not_ours'],
    });
  });
});
