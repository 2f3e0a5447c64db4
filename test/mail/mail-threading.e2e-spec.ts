import {
  DeliveryStatus,
  HistoryEventEntity,
  InboundMessageEntity,
  InboundStatus,
  MessageDirection,
  MessageEntity,
  TicketEntity,
  TicketStatus,
  UserRole,
} from '@app/database';
import { ReplyTokens } from '@app/mail';
import { ReplyToTicket } from '@app/tickets';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { startTestApp, type TestApp } from '../support/test-app';
import { startImapEnv, USER } from '../imap/support/imap-env';
import { compose, deliver as stage } from './mail-support';

const SUPPORT = 'support@desk.test';
const agent = { id: '00000000-0000-4000-8000-0000000000aa', role: UserRole.Admin, name: 'Agent' };

let t: TestApp;
let sink: SmtpSink;
/** How a raw email reaches the desk in the current mode; resolves once the worker handled it. */
let deliver: (t: TestApp, raw: Buffer) => Promise<InboundMessageEntity>;
let closeMode: () => Promise<void>;

const APP_ENV = { MAIL_FROM: SUPPORT, ACK_RATE_LIMIT_PER_HOUR: '3', QUEUE_ATTEMPTS: '2' };

/**
 * Every case runs twice: once with mail staged directly (exactly what the poller writes), once end
 * to end through a real Dovecot, the poller and the worker.
 */
const MODES: Array<[string, () => Promise<void>]> = [
  [
    'staged like the poller does',
    async () => {
      t = await startTestApp({ api: false, worker: true, env: { SMTP_URL: sink.url, ...APP_ENV } });
      deliver = stage;
      closeMode = () => t.close();
    },
  ],
  [
    'through Dovecot, the poller and the worker',
    async () => {
      const env = await startImapEnv({ env: { SMTP_URL: sink.url, ...APP_ENV } });
      await env.startPoller();
      t = env.app;
      deliver = async (_t, raw) => {
        const messageId = /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(raw.toString('latin1'))?.[1];
        if (!messageId) throw new Error('test mail needs a Message-ID');
        await env.dovecot.append(USER, 'INBOX', raw);
        return waitFor(
          async () => {
            const row = await t.dataSource
              .getRepository(InboundMessageEntity)
              .findOneBy({ mailboxId: env.mailboxId, messageIdHeader: messageId });
            return row && (row.status === InboundStatus.Processed || row.status === InboundStatus.Quarantined)
              ? row
              : undefined;
          },
          { what: `processed ${messageId}`, timeoutMs: 30_000 },
        );
      };
      closeMode = () => env.close();
    },
  ],
];

describe.each(MODES)('email threading, acknowledgements and loops — %s', (_mode, start) => {
  beforeAll(async () => {
    sink = await startSmtpSink();
    await start();
    await t.dataSource.query(
      `INSERT INTO users (id, email, name, role, password_hash) VALUES ($1, 'agent@desk.test', 'Agent', 'admin', 'x')`,
      [agent.id],
    );
    // Another mailbox of this desk: its address is ours too (loop detection knows every mailbox).
    await t.dataSource.query(
      `INSERT INTO mailboxes (name, address, host, username, password_encrypted, enabled)
       VALUES ('loop-sales', 'sales@desk.test', '127.0.0.1', 'sales', 'x', false)`,
    );
  });

  afterAll(async () => {
    await closeMode?.();
    await sink?.close();
  });

  async function ticketOf(inboundTicketId: string | null): Promise<TicketEntity> {
    return t.dataSource.getRepository(TicketEntity).findOneByOrFail({ id: inboundTicketId ?? '' });
  }

  async function sinkMessagesTo(address: string) {
    return sink.messages.filter((m) => m.to.includes(address));
  }

  async function newTicket(from: string, subject: string) {
    const row = await deliver(
      t,
      await compose({
        from,
        to: SUPPORT,
        subject,
        text: 'Please help.',
        messageId: `<${Math.random().toString(36).slice(2)}@customer.test>`,
      }),
    );
    const ticket = await ticketOf(row.ticketId);
    const ack = await waitFor(() => sink.messages.find((m) => m.to.includes(from)), { what: 'acknowledgement' });
    // Let the worker record `sent` before the test goes on.
    await waitFor(
      async () =>
        (await t.dataSource
          .getRepository(MessageEntity)
          .countBy({ ticketId: ticket.id, deliveryStatus: DeliveryStatus.Sent })) === 1,
      { what: 'ack sent' },
    );
    return { row, ticket, ack, ackParsed: await ack.parsed() };
  }

  it('acknowledges a new ticket with Auto-Submitted, a signed Reply-To and our Message-ID', async () => {
    const { ticket, ack, ackParsed } = await newTicket('alice@customer.test', 'Broken invoice');
    expect(ack.to).toEqual(['alice@customer.test']);
    const headers = ackParsed.headers;
    expect(headers.get('auto-submitted')).toBe('auto-replied');
    expect(headers.get('x-auto-response-suppress')).toBe('All');
    expect(ackParsed.subject).toBe(`[T-${ticket.number}] Received: Broken invoice`);
    expect(ackParsed.replyTo?.value[0]?.address).toMatch(
      new RegExp(`^support\\+t${ticket.number}-[0-9a-f]{16}@desk\\.test$`),
    );
    expect(ackParsed.messageId).toMatch(new RegExp(`^<t${ticket.number}-[0-9a-f]{16}\\.[0-9a-f]+@desk\\.test>$`));
  });

  it('threads a reply by In-Reply-To, by token only, and by subject only for the right sender', async () => {
    const { ticket, ackParsed } = await newTicket('bob@customer.test', 'Login fails');
    const sent = sink.messages.length;

    const byHeader = await deliver(
      t,
      await compose({
        from: 'bob@customer.test',
        to: SUPPORT,
        subject: 'still failing',
        text: 'more',
        inReplyTo: ackParsed.messageId,
        references: [ackParsed.messageId!],
      }),
    );
    expect(byHeader.ticketId).toBe(ticket.id);

    const replyTo = ackParsed.replyTo!.value[0].address!;
    const byToken = await deliver(
      t,
      await compose({
        from: 'bob.other@customer.test',
        to: replyTo,
        subject: 'no headers at all',
        text: 'forwarded by a colleague',
      }),
    );
    expect(byToken.ticketId).toBe(ticket.id);

    const bySubject = await deliver(
      t,
      await compose({
        from: 'bob@customer.test',
        to: SUPPORT,
        subject: `Re: something [T-${ticket.number}]`,
        text: 'by subject',
      }),
    );
    expect(bySubject.ticketId).toBe(ticket.id);

    const stranger = await deliver(
      t,
      await compose({
        from: 'mallory@evil.test',
        to: SUPPORT,
        subject: `Re: something [T-${ticket.number}]`,
        text: 'let me in',
      }),
    );
    expect(stranger.ticketId).not.toBe(ticket.id);
    // Follow-ups get no acknowledgement; only the stranger's new ticket did.
    await sink.waitForCount(sent + 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.messages.length).toBe(sent + 1);
    expect(sink.messages[sent].to).toEqual(['mallory@evil.test']);
  });

  it('an out-of-office reply to our acknowledgement makes no second acknowledgement and does not reopen', async () => {
    const { ticket, ackParsed } = await newTicket('carol@customer.test', 'Refund');
    await t.dataSource.getRepository(TicketEntity).update({ id: ticket.id }, { status: TicketStatus.Solved });
    const sent = sink.messages.length;
    const ooo = await deliver(
      t,
      await compose({
        from: 'carol@customer.test',
        to: ackParsed.replyTo!.value[0].address!,
        subject: `Automatic reply: ${ackParsed.subject}`,
        text: 'I am out of the office until Monday.',
        inReplyTo: ackParsed.messageId,
        headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
      }),
    );
    expect(ooo.ticketId).toBe(ticket.id);
    const msg = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: ooo.messageRowId! });
    expect(msg.classification).toBe('auto_reply');
    expect((await ticketOf(ticket.id)).status).toBe(TicketStatus.Solved);
    await new Promise((r) => setTimeout(r, 700));
    expect(sink.messages.length).toBe(sent);
  });

  it('a human reply through a list or procmail reopens a solved ticket; new list mail gets no acknowledgement', async () => {
    const { ticket, ackParsed } = await newTicket('lena@customer.test', 'Group question');
    await t.dataSource.getRepository(TicketEntity).update({ id: ticket.id }, { status: TicketStatus.Solved });
    const listHeaders = {
      Precedence: 'list',
      'List-Id': '<customers.lists.customer.test>',
      'X-Loop': 'customers@lists.customer.test',
    };
    const reply = await deliver(
      t,
      await compose({
        from: 'lena@customer.test',
        to: SUPPORT,
        subject: `Re: ${ackParsed.subject}`,
        text: 'It is still not working for us.',
        inReplyTo: ackParsed.messageId,
        headers: listHeaders,
      }),
    );
    expect(reply.ticketId).toBe(ticket.id);
    const msg = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: reply.messageRowId! });
    expect(msg.classification).toBe('bulk');
    expect((await ticketOf(ticket.id)).status).toBe(TicketStatus.Open);

    const sent = sink.messages.length;
    const fresh = await deliver(
      t,
      await compose({
        from: 'list-member@customer.test',
        to: SUPPORT,
        subject: 'Posted to the group',
        text: 'Does anyone know?',
        messageId: '<list-post-1@customer.test>',
        headers: listHeaders,
      }),
    );
    expect(fresh.ticketId).not.toBeNull();
    await new Promise((r) => setTimeout(r, 700));
    expect(sink.messages.length).toBe(sent);
  });

  it('two desks auto-replying to each other stop at the hourly limit, even without auto headers', async () => {
    const before = (await sinkMessagesTo('robot@otherdesk.test')).length;
    for (let i = 0; i < 6; i++) {
      // A naive desk: no Auto-Submitted, a new subject each time, no In-Reply-To.
      await deliver(
        t,
        await compose({
          from: 'robot@otherdesk.test',
          to: SUPPORT,
          subject: `[OD-${i}] We received your mail`,
          text: 'Thanks!',
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect((await sinkMessagesTo('robot@otherdesk.test')).length - before).toBe(3);
  });

  it('our own outbound mail coming back is a loop: stored, never acknowledged', async () => {
    const { ticket, ack } = await newTicket('dave@customer.test', 'Loop test');
    const sent = sink.messages.length;
    const back = await deliver(t, ack.raw);
    expect(back.ticketId).toBe(ticket.id);
    const msg = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: back.messageRowId! });
    expect(msg.classification).toBe('loop');
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.messages.length).toBe(sent);
  });

  it("mail from another of the desk's mailboxes is our own: never a ticket, never acknowledged", async () => {
    const sent = sink.messages.length;
    const tickets = await t.dataSource.getRepository(TicketEntity).count();
    const back = await deliver(
      t,
      await compose({
        from: 'Sales <Sales+fwd@desk.test>',
        to: SUPPORT,
        subject: 'Forwarded to ourselves',
        text: 'A forwarding rule sent this back.',
        messageId: `<${Math.random().toString(36).slice(2)}@desk.test>`,
      }),
    );
    expect(back.status).toBe(InboundStatus.Quarantined);
    expect(back.reason).toBe('own_mail_loop');
    expect(back.ticketId).toBeNull();
    expect(await t.dataSource.getRepository(TicketEntity).count()).toBe(tickets);
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.messages.length).toBe(sent);
  });

  it('a customer reply reopens a solved ticket; after close it opens a new linked ticket', async () => {
    const { ticket, ackParsed } = await newTicket('erin@customer.test', 'Shipping');
    const repo = t.dataSource.getRepository(TicketEntity);
    await repo.update({ id: ticket.id }, { status: TicketStatus.Solved });
    const reply = await deliver(
      t,
      await compose({
        from: 'erin@customer.test',
        to: SUPPORT,
        subject: 'Re',
        text: 'not solved',
        inReplyTo: ackParsed.messageId,
      }),
    );
    expect(reply.ticketId).toBe(ticket.id);
    expect((await repo.findOneByOrFail({ id: ticket.id })).status).toBe(TicketStatus.Open);

    await repo.update({ id: ticket.id }, { status: TicketStatus.Closed });
    const late = await deliver(
      t,
      await compose({
        from: 'erin@customer.test',
        to: SUPPORT,
        subject: 'Re',
        text: 'one more thing',
        inReplyTo: ackParsed.messageId,
      }),
    );
    expect(late.ticketId).not.toBe(ticket.id);
    const created = await repo.findOneByOrFail({ id: late.ticketId! });
    expect(created.linkedTicketId).toBe(ticket.id);
    expect((await repo.findOneByOrFail({ id: ticket.id })).status).toBe(TicketStatus.Closed);
  });

  it('an agent reply goes out with threading headers; a DSN for it marks exactly that message failed', async () => {
    const { ticket, row } = await newTicket('frank@customer.test', 'Password');
    const inbound = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: row.messageRowId! });
    const other = await newTicket('gina@customer.test', 'Other');
    const replyUseCase = t.app.get(ReplyToTicket);
    const before = sink.messages.length;
    const { messageId } = await replyUseCase.execute(agent, ticket.id, 'Try resetting it.');
    await replyUseCase.execute(agent, other.ticket.id, 'Unrelated reply.');
    await sink.waitForCount(before + 2);
    const out = sink.messages.slice(before).find((m) => m.to.includes('frank@customer.test'))!;
    const parsed = await out.parsed();
    expect(parsed.inReplyTo).toBe(inbound.messageIdHeader);
    expect(parsed.subject).toBe(`Re: Password [T-${ticket.number}]`);
    expect(parsed.headers.get('auto-submitted')).toBeUndefined();
    // The first agent answer takes the ticket out of `new`, with a history event.
    const answered = await t.dataSource.getRepository(TicketEntity).findOneByOrFail({ id: ticket.id });
    expect(answered.status).toBe('open');
    expect(
      await t.dataSource
        .getRepository(HistoryEventEntity)
        .countBy({ ticketId: ticket.id, field: 'status', oldValue: 'new', newValue: 'open' }),
    ).toBe(1);
    const repo = t.dataSource.getRepository(MessageEntity);
    await waitFor(async () => (await repo.findOneByOrFail({ id: messageId })).deliveryStatus === DeliveryStatus.Sent, {
      what: 'sent',
    });
    // The SLA's first response is recorded once the SMTP server accepted the reply (issue 14).
    const sent = await repo.findOneByOrFail({ id: messageId });
    const responded = await t.dataSource.getRepository(TicketEntity).findOneByOrFail({ id: ticket.id });
    expect(responded.firstResponseAt?.getTime()).toBe(sent.sentAt?.getTime());

    const dsn = [
      'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
      'To: support@desk.test',
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <dsn-1@mx.customer.test>',
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'I could not deliver your message.',
      '--B',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.customer.test',
      '',
      'Final-Recipient: rfc822; frank@customer.test',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 <frank@customer.test>: Recipient address rejected: User unknown',
      '',
      '--B',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: ${parsed.messageId}`,
      'From: support@desk.test',
      '--B--',
      '',
    ].join('\r\n');
    const sentBefore = sink.messages.length;
    const bounce = await deliver(t, Buffer.from(dsn));
    expect(bounce.ticketId).toBe(ticket.id);
    const failed = await repo.findOneByOrFail({ id: messageId });
    expect(failed.deliveryStatus).toBe(DeliveryStatus.Failed);
    expect(failed.deliveryError).toBe('bounced:permanent:userunknown:5.1.1');
    const untouched = await repo.findOneOrFail({
      where: { ticketId: other.ticket.id, direction: MessageDirection.Out, autoSubmitted: false },
    });
    expect(untouched.deliveryStatus).toBe(DeliveryStatus.Sent);
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.messages.length).toBe(sentBefore);
  });

  it("a forged bounce naming a customer's Message-ID starts its own ticket and makes its sender no participant", async () => {
    const { ticket, row } = await newTicket('ivy@customer.test', 'Private matter');
    const customerMessage = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: row.messageRowId! });
    const forged = (n: number) =>
      Buffer.from(
        [
          'From: Mail Delivery System <mailer-daemon@evil.test>',
          'To: support@desk.test',
          `Subject: Undelivered Mail Returned to Sender ${n}`,
          `Message-ID: <forged-dsn-${n}@evil.test>`,
          'MIME-Version: 1.0',
          'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
          '',
          '--B',
          'Content-Type: text/plain',
          '',
          'I could not deliver your message.',
          '--B',
          'Content-Type: message/delivery-status',
          '',
          'Reporting-MTA: dns; mx.evil.test',
          '',
          'Final-Recipient: rfc822; ivy@customer.test',
          'Action: failed',
          'Status: 5.1.1',
          '',
          '--B',
          'Content-Type: text/rfc822-headers',
          '',
          `Message-ID: ${customerMessage.messageIdHeader}`,
          'From: ivy@customer.test',
          '--B--',
          '',
        ].join('\r\n'),
      );
    const bounce = await deliver(t, forged(1));
    expect(bounce.ticketId).not.toBe(ticket.id);
    // Even a bounce filed on the ticket by our own token never makes its sender a participant.
    const tokens = new ReplyTokens(t.config.values.APP_SECRET, SUPPORT);
    const byToken = await deliver(
      t,
      Buffer.from(
        forged(2)
          .toString()
          .replace('To: support@desk.test', `To: ${tokens.replyToAddress(ticket.number)}`),
      ),
    );
    expect(byToken.ticketId).toBe(ticket.id);
    const follow = await deliver(
      t,
      await compose({
        from: 'mailer-daemon@evil.test',
        to: SUPPORT,
        subject: `Re: Private matter [T-${ticket.number}]`,
        text: 'I am one of you now',
        messageId: '<forged-follow@evil.test>',
      }),
    );
    expect(follow.ticketId).not.toBe(ticket.id);
  });

  it('a refused send is retried, then shown as failed on the message', async () => {
    const { ticket } = await newTicket('hank@customer.test', 'Will fail');
    sink.rejectWith(451);
    try {
      const { messageId } = await t.app.get(ReplyToTicket).execute(agent, ticket.id, 'This will not arrive.');
      const repo = t.dataSource.getRepository(MessageEntity);
      const failed = await waitFor(
        async () => {
          const m = await repo.findOneByOrFail({ id: messageId });
          return m.deliveryStatus === DeliveryStatus.Failed ? m : undefined;
        },
        { what: 'failed after retries', timeoutMs: 20_000 },
      );
      expect(failed.deliveryError).toMatch(/^[A-Z]+:451$/);
    } finally {
      sink.rejectWith(null);
    }
  });
});
