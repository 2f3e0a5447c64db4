import { sha256Hex } from '@app/common';
import { AttachmentEntity, AttachmentStorage, InboundMessageEntity, MessageEntity, TicketEntity } from '@app/database';
import { IntakeMetrics } from '@app/intake';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { simpleParser } from 'mailparser';
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

  it('large attachments are stored from the staging row by the database, byte for byte, and still judged by their bytes', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(2 * 1024 * 1024)]);
    const notPng = randomBytes(1536 * 1024); // declared image/png: the first bytes say otherwise
    const inner = await compose({
      from: 'b@elsewhere.test',
      to: 'a@customer.test',
      subject: 'the original',
      text: 'inner text',
      attachments: [{ filename: 'inner.bin', content: randomBytes(2 * 1024 * 1024) }],
    });
    const dirty = randomBytes(1200 * 1024);
    const built = await compose({
      from: 'large-parts@customer.test',
      to: 'support@desk.test',
      subject: 'large parts',
      text: 'four files',
      attachments: [
        { filename: 'scan.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'photo.png', content: notPng, contentType: 'image/png' },
        // Forwarded as an attachment: one file, its own attachment inside stays in its bytes.
        { filename: 'original.eml', content: inner, contentType: 'message/rfc822', contentDisposition: 'attachment' },
        { filename: 'dirty.bin', content: dirty, contentType: 'application/octet-stream' },
      ],
    });
    // A stray character in the last file's base64, which PostgreSQL's decoder would refuse: that file
    // must go through mailparser, and come out as mailparser reads it.
    const text = built.toString('latin1');
    const dirtyAt = text.indexOf('\r\n', text.indexOf('filename=dirty.bin') + 1000) + 2;
    const raw = Buffer.from(text.slice(0, dirtyAt) + '!' + text.slice(dirtyAt), 'latin1');
    const expected = await simpleParser(raw);
    const byName = new Map(expected.attachments.map((a) => [a.filename, a.content]));
    expect(byName.get('original.eml')?.equals(inner)).toBe(true);

    const counter = t.app.get(IntakeMetrics, { strict: false }).attachmentsFromStaging;
    const fromStagingBefore = (await counter.get()).values[0]?.value ?? 0;
    const row = await deliver(t, raw, 120_000);
    expect(row.status).toBe('processed');
    // The PDF and the PNG were decoded by the database; the .eml (an attached message) and the
    // file with the stray character went through mailparser. The counter moves just after the commit
    // (after the acknowledgement's job is enqueued), so the row can read processed a moment before.
    const fromStaging = async () => ((await counter.get()).values[0]?.value ?? 0) - fromStagingBefore;
    await waitFor(async () => (await fromStaging()) > 0, { what: 'attachments-from-staging counter' });
    expect(await fromStaging()).toBe(2);
    const stored = await t.dataSource
      .getRepository(AttachmentEntity)
      .find({ where: { messageId: row.messageRowId! }, order: { filename: 'ASC' } });
    expect(stored.map((a) => a.filename)).toEqual(['dirty.bin', 'original.eml', 'photo.png', 'scan.pdf']);
    const storage = t.app.get(AttachmentStorage);
    for (const a of stored) {
      const want = byName.get(a.filename)!;
      const bytes = await storage.get(a.storageKey!);
      expect({ name: a.filename, equal: bytes?.equals(want) }).toEqual({ name: a.filename, equal: true });
      expect(a.size).toBe(want.length);
      expect(a.sha256).toBe(sha256Hex(want));
    }
    expect(byName.get('scan.pdf')?.equals(pdf)).toBe(true);
    expect(byName.get('photo.png')?.equals(notPng)).toBe(true);
    const types = Object.fromEntries(stored.map((a) => [a.filename, [a.contentType, a.declaredContentType]]));
    expect(types['scan.pdf']).toEqual(['application/pdf', null]);
    expect(types['photo.png']).toEqual(['application/octet-stream', 'image/png']);
    // The staging row gives its raw bytes up in the same commit.
    const staging = await t.dataSource
      .getRepository(InboundMessageEntity)
      .createQueryBuilder('m')
      .select('m.raw IS NULL', 'gone')
      .where('m.id = :id', { id: row.id })
      .getRawOne<{ gone: boolean }>();
    expect(staging?.gone).toBe(true);
  }, 150_000);

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
    // PostgreSQL as hex text by pg (×2), the worker reads it once, the database decodes the
    // attachment from the staging row, and it is read back for the assertion. 189–246 MB peak growth
    // measured on 2026-12-07 (436 MB on 2026-11-27, when the worker decoded it); the bound catches a
    // regression such as the attachment decoded in the worker again plus a copy, not the baseline.
    expect(growthMb).toBeLessThan(400);
  }, 180_000);
});
