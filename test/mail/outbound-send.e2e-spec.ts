import { DeliveryStatus, MessageEntity, UserRole } from '@app/database';
import { plainTextMime, SmtpMailTransport, type OutboundMail } from '@app/mail';
import { ReplyToTicket } from '@app/tickets';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { startTestApp, type TestApp } from '../support/test-app';

const agent = { id: '00000000-0000-4000-8000-0000000000ac', role: UserRole.Admin, name: 'Agent' };

/** The worker (no API) sending through `smtpUrl`, with one agent to reply as. */
async function startDesk(smtpUrl: string): Promise<TestApp> {
  const t = await startTestApp({
    api: false,
    worker: true,
    env: { SMTP_URL: smtpUrl, MAIL_FROM: 'support@desk.test', QUEUE_ATTEMPTS: '3' },
  });
  await t.dataSource.query(
    `INSERT INTO users (id, email, name, role, password_hash) VALUES ($1, 'agent@desk.test', 'Agent', 'admin', 'x')`,
    [agent.id],
  );
  return t;
}

/** Agent replies through the real worker and a real SMTP server: what is sent, and what the row says. */
describe('sending agent replies', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startDesk(sink.url);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  async function ticketFor(email: string, subject: string): Promise<{ id: string; number: number }> {
    const [contact] = await t.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO contacts (email, name) VALUES ($1, 'Customer') RETURNING id`,
      [email],
    );
    const [ticket] = await t.dataSource.query<Array<{ id: string; number: string }>>(
      `INSERT INTO tickets (subject, channel, contact_id, last_message_at) VALUES ($1, 'email', $2, now())
       RETURNING id, number`,
      [subject, contact.id],
    );
    return { id: ticket.id, number: Number(ticket.number) };
  }

  async function settled(messageId: string): Promise<MessageEntity> {
    const repo = t.dataSource.getRepository(MessageEntity);
    return waitFor(
      async () => {
        const m = await repo.findOneByOrFail({ id: messageId });
        return m.deliveryStatus === DeliveryStatus.Sent || m.deliveryStatus === DeliveryStatus.Failed ? m : undefined;
      },
      { what: 'sent or failed', timeoutMs: 20_000 },
    );
  }

  it('a message that can never be rendered safely fails at once as header_injection, not retried', async () => {
    // A control character in the recipient address: refused before any SMTP traffic.
    const ticket = await ticketFor('ivan\u0001@customer.test', 'Hello');
    const before = sink.messages.length;
    const { messageId } = await t.app.get(ReplyToTicket).execute(agent, ticket.id, 'An answer.');
    const started = Date.now();
    const row = await settled(messageId);
    expect(row.deliveryStatus).toBe(DeliveryStatus.Failed);
    expect(row.deliveryError).toBe('header_injection');
    // No backoff: with three attempts, retrying would take at least 1 s + 2 s.
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(sink.messages.length).toBe(before);
  });

  it('a ticket subject with control characters still gets its reply, on one clean subject line', async () => {
    // An encoded-word subject (=?UTF-8?B?…?=) decodes to whatever the sender put in, U+2028 included.
    const ticket = await ticketFor('judy@customer.test', 'Invoice\u2028overdue\u0007 again\u000b');
    const before = sink.messages.length;
    const { messageId } = await t.app.get(ReplyToTicket).execute(agent, ticket.id, 'We are on it.');
    const row = await settled(messageId);
    expect(row.deliveryError).toBeNull();
    expect(row.deliveryStatus).toBe(DeliveryStatus.Sent);
    const [sent] = (await sink.waitForCount(before + 1)).slice(before);
    expect((await sent.parsed()).subject).toBe(`Re: Invoice overdue again [T-${ticket.number}]`);
  });

  it('a database blip while recording `sent` does not send the reply a second time', async () => {
    // The first UPDATE to `sent` fails (a sequence, so the count survives the rollback).
    await t.dataSource.query(`CREATE SEQUENCE sent_blips`);
    await t.dataSource.query(
      `CREATE FUNCTION blip_once() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.delivery_status = 'sent' AND nextval('sent_blips') = 1 THEN RAISE EXCEPTION 'connection lost'; END IF;
         RETURN NEW;
       END $$`,
    );
    await t.dataSource.query(
      `CREATE TRIGGER blip_once BEFORE UPDATE ON messages FOR EACH ROW EXECUTE FUNCTION blip_once()`,
    );
    try {
      const ticket = await ticketFor('kate@customer.test', 'Once only');
      const before = sink.messages.length;
      const { messageId } = await t.app.get(ReplyToTicket).execute(agent, ticket.id, 'You get this once.');
      const row = await settled(messageId);
      expect(row.deliveryStatus).toBe(DeliveryStatus.Sent);
      // Time for a BullMQ retry (first backoff 1 s) to send again, had the job failed.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(sink.messages.slice(before).filter((m) => m.to.includes('kate@customer.test'))).toHaveLength(1);
    } finally {
      await t.dataSource.query(`DROP TRIGGER blip_once ON messages`);
      await t.dataSource.query(`DROP FUNCTION blip_once(); DROP SEQUENCE sent_blips`);
    }
  });
});

/** The SMTP server refuses the desk's own login (a wrong password in SMTP_URL). */

describe('SMTP transport pool', () => {
  it('sends many mails over a few pooled connections (SMTP_MAX_CONNECTIONS), not one connection per mail', async () => {
    const sink = await startSmtpSink();
    const transport = new SmtpMailTransport(sink.url, 3);
    try {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          transport.send({
            from: { address: 'support@desk.test', name: 'Support' },
            to: `pool-${i}@customer.test`,
            replyTo: 'support@desk.test',
            subject: `pool ${i}`,
            text: 'pooled',
            messageId: `<pool-${i}@desk.test>`,
            inReplyTo: null,
            references: [],
            autoSubmitted: true,
          }),
        ),
      );
      expect(sink.messages).toHaveLength(30);
      expect(sink.connections).toBeGreaterThanOrEqual(1);
      expect(sink.connections).toBeLessThanOrEqual(3);
    } finally {
      transport.close();
      await sink.close();
    }
  });

  it('talks SMTP in one thread per process, shared by every transport; a transport closing leaves the others sending', async () => {
    const sink = await startSmtpSink();
    const mail = (i: number) => ({
      from: { address: 'support@desk.test', name: 'Support' },
      to: `thread-${i}@customer.test`,
      replyTo: 'support@desk.test',
      subject: `thread ${i}`,
      text: 'threaded',
      messageId: `<thread-${i}@desk.test>`,
      inReplyTo: null,
      references: [],
      autoSubmitted: true,
    });
    const first = new SmtpMailTransport(sink.url, 2);
    const second = new SmtpMailTransport(sink.url, 2);
    try {
      expect(first.threadId).toBeNull();
      await first.send(mail(1));
      // The SMTP thread started with the first send (not the main thread, id 0) …
      const smtpThread = first.threadId;
      expect(smtpThread).toBeGreaterThan(0);
      await second.send(mail(2));
      // … and the second transport sends through the same one.
      expect(second.threadId).toBe(smtpThread);
      first.close();
      await second.send(mail(3));
      expect(second.threadId).toBe(smtpThread);
      expect(sink.messages.flatMap((m) => m.to).sort()).toEqual([
        'thread-1@customer.test',
        'thread-2@customer.test',
        'thread-3@customer.test',
      ]);
    } finally {
      first.close();
      second.close();
      await sink.close();
    }
  });
});

/** The message as received, without its Date line (the transport dates it when it builds it). */
const undated = (raw: Buffer | string): string => raw.toString().replace(/^Date: .*\r\n/m, '');

describe('SMTP transport: mail built in the desk and mail built by nodemailer', () => {
  const plain = (i: number): OutboundMail => ({
    from: { address: 'support@desk.test', name: 'Support Desk' },
    to: `plain-${i}@customer.test`,
    replyTo: 'reply+abc@desk.test',
    subject: `We received your request [#${i}]`,
    text: `Hello,\n.\n.a line that starts with a dot\nYour ticket number is ${i}.`,
    messageId: `<plain-${i}@desk.test>`,
    inReplyTo: `<customer-${i}@customer.test>`,
    references: [`<customer-${i}@customer.test>`],
    autoSubmitted: true,
  });

  it('a plain-text mail arrives byte for byte as the desk built it, and shares one connection with HTML mail', async () => {
    const sink = await startSmtpSink();
    // One connection: the mail the desk builds and the mail nodemailer builds go through one pool.
    const transport = new SmtpMailTransport(sink.url, 1);
    try {
      const html: OutboundMail = { ...plain(2), to: 'html@customer.test', html: '<p>Hello <b>there</b></p>' };
      const results = await Promise.all([transport.send(plain(1)), transport.send(html), transport.send(plain(3))]);
      expect(results.map((r) => r.accepted)).toEqual([
        ['plain-1@customer.test'],
        ['html@customer.test'],
        ['plain-3@customer.test'],
      ]);
      expect(sink.connections).toBe(1);
      const byRecipient = new Map(sink.messages.map((m) => [m.to.join(), m]));
      expect(byRecipient.size).toBe(3);
      for (const i of [1, 3]) {
        const received = byRecipient.get(`plain-${i}@customer.test`);
        // Lines starting with a dot were escaped on the wire and unescaped by the server.
        expect(undated(received?.raw ?? '')).toBe(undated(plainTextMime(plain(i)) ?? 'not plain'));
        expect(received?.from).toBe('support@desk.test');
      }
      const parsed = await byRecipient.get('html@customer.test')?.parsed();
      expect(parsed?.html).toContain('<b>there</b>');
      expect(parsed?.messageId).toBe('<plain-2@desk.test>');
    } finally {
      transport.close();
      await sink.close();
    }
  });

  it('a pooled connection the server ended meanwhile: the next plain-text mail goes over a new one, once', async () => {
    const sink = await startSmtpSink();
    const transport = new SmtpMailTransport(sink.url, 1);
    let again: SmtpSink | null = null;
    try {
      await transport.send(plain(1));
      // The server goes away and comes back on the same port: the pooled connection is gone.
      await sink.close();
      again = await startSmtpSink({ port: sink.port });
      const result = await transport.send(plain(2));
      expect(result.accepted).toEqual(['plain-2@customer.test']);
      expect(again.messages.map((m) => m.to.join())).toEqual(['plain-2@customer.test']);
      expect(again.connections).toBe(1);
    } finally {
      transport.close();
      await again?.close();
    }
  });

  it('a recipient refused for good fails a plain-text mail as permanent (5xx), and the connection goes on', async () => {
    const sink = await startSmtpSink();
    const transport = new SmtpMailTransport(sink.url, 1);
    try {
      sink.rejectWith(550);
      const refused = await transport.send(plain(1)).catch((error: unknown) => error);
      expect(refused).toMatchObject({ responseCode: 550, permanent: true });
      sink.rejectWith(null);
      await transport.send(plain(2));
      expect(sink.messages.map((m) => m.to.join())).toEqual(['plain-2@customer.test']);
      expect(sink.connections).toBe(1);
    } finally {
      transport.close();
      await sink.close();
    }
  });
});

describe('sending while the SMTP server refuses our login', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink({ auth: { user: 'desk', pass: 'right-password' } });
    t = await startDesk(`smtp://desk:wrong-password@127.0.0.1:${sink.port}`);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  it('keeps the reply queued with the reason instead of failing it, ready to go once the login is fixed', async () => {
    // The sink's login works with the right password (so the refusal below is the password's).
    const right = new SmtpMailTransport(sink.url);
    await right.send({
      from: { address: 'support@desk.test', name: 'Support' },
      to: 'probe@customer.test',
      replyTo: 'support@desk.test',
      subject: 'probe',
      text: 'probe',
      messageId: '<probe@desk.test>',
      inReplyTo: null,
      references: [],
      autoSubmitted: false,
    });
    right.close();
    expect(sink.messages).toHaveLength(1);

    const [contact] = await t.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO contacts (email, name) VALUES ('lena@customer.test', 'Lena') RETURNING id`,
    );
    const [ticket] = await t.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO tickets (subject, channel, contact_id, last_message_at) VALUES ('Login', 'email', $1, now()) RETURNING id`,
      [contact?.id],
    );
    const { messageId } = await t.app.get(ReplyToTicket).execute(agent, ticket.id, 'An answer.');
    const row = await waitFor(
      async () => {
        const m = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: messageId });
        return m.deliveryError === 'EAUTH:535' ? m : undefined;
      },
      { what: 'the refused login recorded', timeoutMs: 20_000 },
    );
    expect(row.deliveryStatus).toBe(DeliveryStatus.Queued);
    expect(sink.messages).toHaveLength(1);
  });
});
