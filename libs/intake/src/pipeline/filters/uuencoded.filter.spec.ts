import { inspectMessage } from '../inspect-message';
import { uudecode } from './uuencoded.filter';
import { ParserPool } from '../mime/parser-pool';

/**
 * Synthetic messages written here, modelled on uuencoded files seen in real mail (issue 15, point
 * 13): an x-uuencode part and `begin 644` blocks in a plain-text body.
 */
const pool = new ParserPool(1);
afterAll(() => pool.close());

const crlf = (...lines: string[]) => Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1');
const inspect = (raw: Buffer) => inspectMessage(raw, { pool });

/** The test's own uuencoder (45 bytes a line, backquote for zero, as `uuencode` writes). */
function uuencode(data: Buffer, name: string): string[] {
  const char = (v: number) => (v === 0 ? '`' : String.fromCharCode(v + 32));
  const lines = [`begin 644 ${name}`];
  for (let i = 0; i < data.length; i += 45) {
    const chunk = data.subarray(i, i + 45);
    let line = char(chunk.length);
    for (let j = 0; j < chunk.length; j += 3) {
      const [a = 0, b = 0, c = 0] = [chunk[j], chunk[j + 1], chunk[j + 2]];
      line += char(a >> 2) + char(((a & 3) << 4) | (b >> 4)) + char(((b & 15) << 2) | (c >> 6)) + char(c & 63);
    }
    lines.push(line);
  }
  lines.push('`', 'end');
  return lines;
}

const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(Array.from({ length: 200 }, (_, i) => i % 256))]);

describe('uuencoded files', () => {
  it('decodes what it encodes, at every length', () => {
    for (const n of [0, 1, 2, 3, 44, 45, 46, 200]) {
      const data = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37) % 256));
      expect(uudecode(uuencode(data, 'x').slice(1, -1).join('\n'))?.equals(data)).toBe(true);
    }
  });

  it('turns an x-uuencode part into a real attachment with its name', async () => {
    const r = await inspect(
      crlf(
        'From: old@example.org',
        'To: support@desk.test',
        'Subject: report',
        'Message-ID: <uu-part@example.org>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'The report is attached.',
        '--b',
        'Content-Type: application/octet-stream',
        'Content-Transfer-Encoding: x-uuencode',
        '',
        ...uuencode(PDF, 'Q3 report.pdf'),
        '--b--',
      ),
    );
    expect(r.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['Q3 report.pdf', 'application/pdf', PDF.length],
    ]);
    expect(r.notes).toContainEqual({ filter: 'uuencoded', note: '1 uuencoded file(s) decoded' });
  });

  it('takes begin 644 blocks out of a plain-text body as attachments', async () => {
    const notes = Buffer.from('line one\nline two\n');
    const r = await inspect(
      crlf(
        'From: old@example.org',
        'To: support@desk.test',
        'Subject: files',
        'Message-ID: <uu-inline@example.org>',
        '',
        'Hello, two files follow.',
        '',
        ...uuencode(notes, 'notes.txt'),
        '',
        ...uuencode(PDF, 'invoice.pdf'),
        '',
        'Regards, Old Mailer',
      ),
    );
    expect(r.attachments.map((a) => a.filename)).toEqual(['notes.txt', 'invoice.pdf']);
    expect(r.attachments.map((a) => a.size)).toEqual([notes.length, PDF.length]);
    expect(r.text).not.toContain('begin 644');
    expect(r.text).toContain('Hello, two files follow.');
    expect(r.text).toContain('Regards, Old Mailer');
  });
});
