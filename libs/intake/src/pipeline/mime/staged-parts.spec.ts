import { randomBytes } from 'node:crypto';
import { ParseEmailFilter } from '../filters/parse-email.filter';
import { detachedInbound } from '../inspect-message';
import { createContext } from '../intake-context';
import { composeMail } from '../testing-fixtures';
import { DEFAULT_MAIL_LIMITS, scanMime } from './mime-skeleton';
import { ParserPool } from './parser-pool';
import {
  base64Head,
  findStageableParts,
  isStrictBase64,
  STAGED_HEAD_BYTES,
  STAGED_PART_FROM_BYTES,
  withStagedPartsCut,
} from './staged-parts';

const pool = new ParserPool(1);
afterAll(() => pool.close());

const big = (): Buffer => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(STAGED_PART_FROM_BYTES)]);

async function forwardedWithBigAttachment(inner: Buffer): Promise<Buffer> {
  return composeMail({
    from: 'a@customer.test',
    to: 'support@desk.test',
    subject: 'fwd',
    text: 'see below',
    attachments: [
      {
        filename: 'original.eml',
        contentType: 'message/rfc822',
        content: await composeMail({
          from: 'b@elsewhere.test',
          to: 'a@customer.test',
          subject: 'inner',
          text: 'inner text',
          attachments: [{ filename: 'inner.pdf', content: inner }],
        }),
      },
    ],
  });
}

describe('large parts left in the staging row', () => {
  it('chooses only large, clean base64 leaves that are not text and not inside an attached message', async () => {
    const raw = await composeMail({
      from: 'a@customer.test',
      to: 'support@desk.test',
      subject: 'parts',
      text: 'x'.repeat(STAGED_PART_FROM_BYTES * 2),
      attachments: [
        { filename: 'big.pdf', content: big() },
        { filename: 'small.pdf', content: randomBytes(1000) },
        { filename: 'notes.txt', content: randomBytes(STAGED_PART_FROM_BYTES).toString('base64'), encoding: 'utf8' },
      ],
    });
    const parts = scanMime(raw);
    const chosen = findStageableParts(raw, parts);
    expect(chosen.map((p) => p.params.name ?? p.contentType)).toEqual(['big.pdf']);

    const forwarded = await forwardedWithBigAttachment(big());
    expect(findStageableParts(forwarded, scanMime(forwarded))).toEqual([]);
  });

  it('accepts only base64 that the database decodes as mailparser would', () => {
    const ok = (text: string): boolean => isStrictBase64(Buffer.from(text, 'latin1'), 0, text.length);
    expect(ok('QUJD\r\nREVG\r\n')).toBe(true);
    expect(ok('QUI=')).toBe(true);
    expect(ok('QQ==\r\n')).toBe(true);
    expect(ok('QUJ')).toBe(false); // not whole quartets
    expect(ok('QU!D')).toBe(false); // outside the alphabet
    expect(ok('QQ==QUJD')).toBe(false); // data after padding
    expect(ok('Q===')).toBe(false);
    expect(ok('')).toBe(false);
  });

  it('cuts the bodies out and keeps every other byte; the head decodes the first bytes', async () => {
    const content = big();
    const raw = await composeMail({
      from: 'a@customer.test',
      to: 'support@desk.test',
      subject: 'cut',
      text: 'hello',
      attachments: [{ filename: 'big.pdf', content }],
    });
    const [part] = findStageableParts(raw, scanMime(raw));
    const cut = withStagedPartsCut(raw, [part]);
    const marker = cut.staged[0].marker.toString('base64');
    expect(cut.raw.length).toBe(raw.length - (part.bodyEnd - part.bodyStart) + marker.length);
    expect(cut.raw.subarray(0, part.bodyStart).equals(raw.subarray(0, part.bodyStart))).toBe(true);
    expect(cut.raw.subarray(part.bodyStart + marker.length).equals(raw.subarray(part.bodyEnd))).toBe(true);
    const head = base64Head(raw, part.bodyStart, part.bodyEnd);
    expect(head.length).toBe(STAGED_HEAD_BYTES);
    expect(head.equals(content.subarray(0, STAGED_HEAD_BYTES))).toBe(true);
  });

  it('parse-email keeps a large attachment as its first bytes and offsets, only for a staging row', async () => {
    const content = big();
    const raw = await composeMail({
      from: 'a@customer.test',
      to: 'support@desk.test',
      subject: 'big',
      text: 'attached',
      attachments: [
        { filename: 'big.pdf', content, contentType: 'application/pdf' },
        { filename: 'small.bin', content: Buffer.from('small') },
      ],
    });
    const staged = createContext(detachedInbound(), raw, true);
    await new ParseEmailFilter(DEFAULT_MAIL_LIMITS, pool).run(staged);
    const [pdf, small] = staged.message!.attachments;
    expect(pdf.filename).toBe('big.pdf');
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.content.equals(content.subarray(0, STAGED_HEAD_BYTES))).toBe(true);
    const decoded = Buffer.from(raw.toString('latin1', pdf.staged!.start, pdf.staged!.end), 'base64');
    expect(decoded.equals(content)).toBe(true);
    expect(small.staged).toBeUndefined();
    expect(small.content.toString()).toBe('small');
    expect(staged.message!.text.trim()).toBe('attached');

    // Not from a staging row (mail inspect): parsed whole, as before.
    const whole = createContext(detachedInbound(), raw, false);
    await new ParseEmailFilter(DEFAULT_MAIL_LIMITS, pool).run(whole);
    expect(whole.message!.attachments[0].staged).toBeUndefined();
    expect(whole.message!.attachments[0].content.equals(content)).toBe(true);
  });
});
