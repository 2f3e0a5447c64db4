import { sha256Hex } from '@app/common';
import {
  AttachmentEntity,
  AttachmentStorage,
  InboundMessageEntity,
  InboundStatus,
  MessageEntity,
  TicketEntity,
} from '@app/database';
import { waitFor } from '@app/testing';
import { randomBytes } from 'node:crypto';
import { startImapEnv, USER, type ImapEnv } from '../imap/support/imap-env';
import { compose } from './mail-support';

/** Issue 4 end to end through a real IMAP server: Dovecot → poller → worker → ticket. */
describe('mail through Dovecot', () => {
  let env: ImapEnv;

  beforeAll(async () => {
    // Defaults for the size limits (IMAP_MAX_MESSAGE_BYTES 50 MiB, MAIL_MAX_BYTES 64 MiB): the
    // 25 MB test below proves the defaults accept it.
    env = await startImapEnv({ env: { ACK_ENABLED: 'false' } });
    await env.startPoller();
  });
  afterAll(async () => {
    await env?.close();
  });

  async function processedRow(messageIdHeader: string, timeoutMs = 60_000): Promise<InboundMessageEntity> {
    return waitFor(
      async () => {
        const rows = await env.app.dataSource
          .getRepository(InboundMessageEntity)
          .findBy({ mailboxId: env.mailboxId, messageIdHeader });
        const row = rows[0];
        return row && (row.status === InboundStatus.Processed || row.status === InboundStatus.Quarantined)
          ? row
          : undefined;
      },
      { what: `processed ${messageIdHeader}`, timeoutMs },
    );
  }

  it('a reply threads onto the ticket of the message it answers, by In-Reply-To', async () => {
    const first = await compose({
      from: 'Grace <grace@customer.test>',
      to: USER,
      subject: 'printer on fire',
      messageId: '<first.1@customer.test>',
      text: 'It is on fire.',
    });
    await env.dovecot.append(USER, 'INBOX', first);
    const firstRow = await processedRow('<first.1@customer.test>');
    expect(firstRow.status).toBe(InboundStatus.Processed);

    // A new subject and no ticket reference: only In-Reply-To can thread it.
    const reply = await compose({
      from: 'Grace <grace@customer.test>',
      to: USER,
      subject: 'another thing',
      messageId: '<reply.2@customer.test>',
      inReplyTo: '<first.1@customer.test>',
      text: 'Still on fire.',
    });
    await env.dovecot.append(USER, 'INBOX', reply);
    const replyRow = await processedRow('<reply.2@customer.test>');
    expect(replyRow.status).toBe(InboundStatus.Processed);
    expect(replyRow.ticketId).toBe(firstRow.ticketId);
    const messages = await env.app.dataSource
      .getRepository(MessageEntity)
      .find({ where: { ticketId: firstRow.ticketId! }, order: { createdAt: 'ASC' } });
    expect(messages.map((m) => m.messageIdHeader)).toEqual(['<first.1@customer.test>', '<reply.2@customer.test>']);
    expect(messages[1]?.inReplyTo).toBe('<first.1@customer.test>');
    // Both server copies settled once their ticket existed.
    await waitFor(async () => (await env.dovecot.count(USER, 'Processed')) === 2, { what: 'both moved' });
  });

  it('hostile HTML and a hostile subject arrive defused', async () => {
    const subject = '<script>alert("s")</script> Invoice';
    await env.dovecot.append(
      USER,
      'INBOX',
      await compose({
        from: 'x@customer.test',
        to: USER,
        subject,
        messageId: '<hostile.1@customer.test>',
        text: 'see html',
        html: '<p>Hello</p><script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">click</a>',
      }),
    );
    const row = await processedRow('<hostile.1@customer.test>');
    const message = await env.app.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: row.messageRowId! });
    expect(message.bodyHtml).toContain('Hello');
    expect(message.bodyHtml).not.toMatch(/<script|onerror|javascript:|alert/i);
    const ticket = await env.app.dataSource.getRepository(TicketEntity).findOneByOrFail({ id: row.ticketId! });
    expect(ticket.subject).toBe(subject);
  });

  it('a 25 MB attachment arrives intact (sha256) within a memory budget', async () => {
    const content = randomBytes(25 * 1024 * 1024);
    const raw = await compose({
      from: 'big@customer.test',
      to: USER,
      subject: 'big one',
      messageId: '<big.25mb@customer.test>',
      text: 'attached',
      attachments: [{ filename: 'big.bin', content, contentType: 'application/octet-stream' }],
    });
    expect(raw.length).toBeGreaterThan(25 * 1024 * 1024); // ~34 MB as base64 MIME
    await env.dovecot.append(USER, 'INBOX', raw);
    const expected = sha256Hex(content);

    // Everything from here runs in this process: poller (FETCH, staging INSERT), worker (binary
    // read, parser thread, attachment storage, commit). The test's own copies (content, raw) are
    // already allocated, so the growth is intake's.
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const started = Date.now();
    let row: InboundMessageEntity;
    try {
      row = await processedRow('<big.25mb@customer.test>', 170_000);
    } finally {
      clearInterval(timer);
    }
    const growthMb = (peak - before) / 1024 / 1024;
    process.stderr.write(
      `25 MB attachment through Dovecot: ${Date.now() - started} ms, raw ${(raw.length / 1048576).toFixed(1)} MB, ` +
        `peak RSS growth ${growthMb.toFixed(0)} MB\n`,
    );
    expect(row.status).toBe(InboundStatus.Processed);
    const attachment = await env.app.dataSource
      .getRepository(AttachmentEntity)
      .findOneByOrFail({ messageId: row.messageRowId! });
    expect(attachment.filename).toBe('big.bin');
    expect(attachment.size).toBe(content.length);
    expect(attachment.sha256).toBe(expected);
    const stored = await env.app.app.get(AttachmentStorage).get(attachment.storageKey!);
    expect(sha256Hex(stored!)).toBe(expected);
    // Budget: the raw message is 34 MB; intake holds it in the poller (FETCH buffer), the staging
    // INSERT (sent as binary), the worker's read in slices into memory it shares with the parser
    // thread, and the 25 MB decoded attachment (in the thread, then transferred). Measured 362–450 MB on a
    // loaded 2-core machine (GC timing makes RSS noisy); the budget is 600 MB, the same as for the
    // directly staged path, so a regression that adds whole extra copies fails here.
    expect(growthMb).toBeLessThan(600);
  }, 180_000);
});
