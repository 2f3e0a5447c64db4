import { checkContentType, normalizeFilename, NormalizeAttachmentsFilter } from './normalize-attachments.filter';
import { emailContext } from '../testing-fixtures';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);

describe('attachment normalisation', () => {
  it('strips path parts, control and bidi characters, and caps the length keeping the extension', () => {
    expect(normalizeFilename('../../etc/passwd')).toBe('passwd');
    expect(normalizeFilename('C:\\Users\\x\\report.pdf')).toBe('report.pdf');
    expect(normalizeFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(normalizeFilename('a\u0000b\r\n.txt')).toBe('ab.txt');
    expect(normalizeFilename('', 'image/png')).toBe('attachment.png');
    const long = normalizeFilename(`${'x'.repeat(500)}.docx`);
    expect(long.length).toBe(180);
    expect(long.endsWith('.docx')).toBe(true);
  });

  it('checks the declared type against the bytes', () => {
    expect(checkContentType('image/png', PNG)).toBe('image/png');
    expect(checkContentType('image/png', Buffer.from('<html><script>'))).toBe('application/octet-stream');
    expect(checkContentType('application/pdf', Buffer.from('MZ\x90\x00'))).toBe('application/octet-stream');
    expect(checkContentType('text/plain', Buffer.from('hello'))).toBe('text/plain');
  });

  it('flags SVG and HTML as never-inline, whatever they claim to be', () => {
    const ctx = emailContext(Buffer.alloc(0));
    ctx.message = {
      from: null,
      replyTo: [],
      to: [],
      cc: [],
      subject: '',
      text: '',
      html: null,
      messageId: null,
      inReplyTo: null,
      references: [],
      date: null,
      headers: new Map(),
      attachments: [
        {
          filename: 'logo.svg',
          contentType: 'image/svg+xml',
          content: Buffer.from('<svg onload="x()"/>'),
          contentId: 'a',
          inline: true,
        },
        {
          filename: 'pic.png',
          contentType: 'image/png',
          content: Buffer.from('<!DOCTYPE html><html>'),
          contentId: 'b',
          inline: true,
        },
        { filename: 'ok.png', contentType: 'image/png', content: PNG, contentId: 'c', inline: true },
      ],
    };
    new NormalizeAttachmentsFilter().run(ctx);
    const [svg, fake, ok] = ctx.message.attachments;
    expect([svg.neverInline, svg.inline]).toEqual([true, false]);
    expect([fake.neverInline, fake.contentType, fake.declaredContentType]).toEqual([
      true,
      'application/octet-stream',
      'image/png',
    ]);
    expect([ok.neverInline, ok.inline]).toEqual([false, true]);
  });
});
