import { sha256Hex } from '@app/common';
import { AttachmentEntity, AttachmentStorage, MessageEntity, TicketEntity } from '@app/database';
import { startSmtpSink, type SmtpSink } from '@app/testing';
import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/test-app';
import { compose, deliver } from './mail-support';

let t: TestApp;
let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
  t = await startTestApp({ api: false, worker: true, env: { SMTP_URL: sink.url, MAIL_FROM: 'support@desk.test' } });
});

afterAll(async () => {
  await t?.close();
  await sink?.close();
});

describe('content of inbound email', () => {
  it('never keeps <script>, onerror= or javascript: from the body; the subject stays plain text', async () => {
    const subject = '<script>alert("s")</script> Invoice';
    const row = await deliver(
      t,
      await compose({
        from: 'x@customer.test',
        to: 'support@desk.test',
        subject,
        text: 'see html',
        html: '<p>Hello</p><script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">click</a><img src="https://tracker.test/p.gif">',
      }),
    );
    const message = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: row.messageRowId! });
    expect(message.bodyHtml).toContain('Hello');
    expect(message.bodyHtml).not.toMatch(/<script|onerror|javascript:|alert/i);
    expect(message.remoteImagesBlocked).toBe(1);
    // Stored as the literal text it is; every HTML view escapes it (React text nodes, the CLI prints text).
    const ticket = await t.dataSource.getRepository(TicketEntity).findOneByOrFail({ id: row.ticketId! });
    expect(ticket.subject).toBe(subject);
  });

  it('a uuencoded file in a plain-text body is stored as a real attachment, out of the text', async () => {
    const data = Buffer.from('%PDF-1.4\n' + 'uuencoded in 2026, as in 1986\n'.repeat(20));
    const lines = ['begin 644 old-school.pdf'];
    for (let i = 0; i < data.length; i += 45) {
      const chunk = data.subarray(i, i + 45);
      const c = (v: number) => (v === 0 ? '`' : String.fromCharCode(v + 32));
      let line = c(chunk.length);
      for (let j = 0; j < chunk.length; j += 3) {
        const [a = 0, b = 0, d = 0] = [chunk[j], chunk[j + 1], chunk[j + 2]];
        line += c(a >> 2) + c(((a & 3) << 4) | (b >> 4)) + c(((b & 15) << 2) | (d >> 6)) + c(d & 63);
      }
      lines.push(line);
    }
    lines.push('`', 'end');
    const row = await deliver(
      t,
      Buffer.from(
        [
          'From: uu@customer.test',
          'To: support@desk.test',
          'Subject: old mailer',
          'Message-ID: <uu-e2e@customer.test>',
          '',
          'The file:',
          ...lines,
          'Thanks',
          '',
        ].join('\r\n'),
      ),
    );
    const attachment = await t.dataSource
      .getRepository(AttachmentEntity)
      .findOneByOrFail({ messageId: row.messageRowId! });
    expect(attachment.filename).toBe('old-school.pdf');
    expect(attachment.contentType).toBe('application/pdf');
    expect(attachment.sha256).toBe(sha256Hex(data));
    expect(sha256Hex((await t.app.get(AttachmentStorage).get(attachment.storageKey!))!)).toBe(sha256Hex(data));
    const message = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: row.messageRowId! });
    expect(message.bodyText).not.toContain('begin 644');
    expect(message.bodyText).toContain('Thanks');
  });

  it('a 25 MB attachment arrives intact within a memory budget', async () => {
    const content = randomBytes(25 * 1024 * 1024);
    const raw = await compose({
      from: 'big@customer.test',
      to: 'support@desk.test',
      subject: 'big',
      text: 'attached',
      attachments: [{ filename: 'big.bin', content }],
    });
    global.gc?.();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const started = Date.now();
    // A slow machine may take a while with 25 MB; time is not what this test asserts.
    const row = await deliver(t, raw, 170_000);
    clearInterval(timer);
    const ms = Date.now() - started;
    const attachment = await t.dataSource
      .getRepository(AttachmentEntity)
      .findOneByOrFail({ messageId: row.messageRowId! });
    const stored = await t.app.get(AttachmentStorage).get(attachment.storageKey!);
    expect(attachment.size).toBe(content.length);
    expect(attachment.sha256).toBe(sha256Hex(content));
    expect(sha256Hex(stored!)).toBe(sha256Hex(content));
    const growthMb = (peakRss - before.rss) / 1024 / 1024;
    process.stderr.write(
      `25 MB attachment: ${ms} ms, raw ${(raw.length / 1048576).toFixed(1)} MB, peak RSS growth ${growthMb.toFixed(0)} MB\n`,
    );
    // Measured budget (same process holds the test's own copies): the 34 MB raw message is sent to
    // PostgreSQL as hex text by pg (×2), copied into the parser thread, decoded, and read back for
    // the assertion. 436 MB peak growth measured on 2026-11-27; the bound catches a regression
    // such as a second full copy per filter, not the baseline.
    expect(growthMb).toBeLessThan(600);
  }, 180_000);
});
