import { QuarantineError } from '../../intake.error';
import { composeMail, rawMail } from '../testing-fixtures';
import { DEFAULT_MAIL_LIMITS, parseContentType, partBody, scanMime } from './mime-skeleton';

function reasonOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof QuarantineError ? error.reason : `other:${String(error)}`;
  }
}

function nested(depth: number): Buffer {
  const lines: string[] = ['From: a@example.com', 'Subject: deep'];
  for (let i = 0; i < depth; i++) {
    lines.push(`Content-Type: multipart/mixed; boundary="b${i}"`, '', `--b${i}`);
  }
  lines.push('Content-Type: text/plain', '', 'leaf');
  for (let i = depth - 1; i >= 0; i--) lines.push(`--b${i}--`);
  return rawMail(lines);
}

describe('scanMime', () => {
  it('lists the parts of a composed message with depth and body offsets', async () => {
    const raw = await composeMail({
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'hi',
      text: 'plain body',
      html: '<p>html body</p>',
      attachments: [{ filename: 'a.txt', content: 'attached text' }],
    });
    const parts = scanMime(raw);
    expect(parts.map((p) => [p.depth, p.contentType])).toEqual([
      [0, 'multipart/mixed'],
      [1, 'multipart/alternative'],
      [2, 'text/plain'],
      [2, 'text/html'],
      [1, 'text/plain'],
    ]);
    expect(partBody(raw, parts[4]).toString()).toBe('attached text');
  });

  it('quarantines too many parts, too deep nesting, an oversized header and an oversized message', () => {
    const many = ['From: a@example.com', 'Content-Type: multipart/mixed; boundary=x', ''];
    for (let i = 0; i < 20; i++) many.push('--x', 'Content-Type: text/plain', '', `part ${i}`);
    many.push('--x--');
    expect(reasonOf(() => scanMime(rawMail(many), { ...DEFAULT_MAIL_LIMITS, maxParts: 10 }))).toBe('limit_parts');
    expect(reasonOf(() => scanMime(rawMail(many), { ...DEFAULT_MAIL_LIMITS, maxParts: 30 }))).toBeNull();

    expect(reasonOf(() => scanMime(nested(12), { ...DEFAULT_MAIL_LIMITS, maxDepth: 10 }))).toBe('limit_depth');
    expect(reasonOf(() => scanMime(nested(8), { ...DEFAULT_MAIL_LIMITS, maxDepth: 10 }))).toBeNull();

    // The address-parser ReDoS shape: one huge folded header without '@'.
    const huge = rawMail([
      'From: ' + Array.from({ length: 3000 }, () => 'xxxxxxxxxxxxxxxxxxxx').join('\r\n '),
      '',
      'x',
    ]);
    expect(reasonOf(() => scanMime(huge, { ...DEFAULT_MAIL_LIMITS, maxHeaderBytes: 16 * 1024 }))).toBe('limit_header');
    expect(reasonOf(() => scanMime(huge, { ...DEFAULT_MAIL_LIMITS, maxBytes: 1000 }))).toBe('limit_size');
  });

  it('parses content-type parameters with quotes and odd casing', () => {
    expect(parseContentType('Multipart/Report; Report-Type="delivery-status"; boundary="a;b"')).toEqual({
      type: 'multipart/report',
      params: { 'report-type': 'delivery-status', boundary: 'a;b' },
    });
  });

  it('never throws on truncated input or a missing closing boundary', () => {
    const raw = rawMail([
      'Content-Type: multipart/mixed; boundary=q',
      '',
      '--q',
      'Content-Type: text/plain',
      '',
      'no end',
    ]);
    expect(scanMime(raw).length).toBe(2);
    expect(scanMime(Buffer.from('garbage without headers')).length).toBe(1);
  });
});
