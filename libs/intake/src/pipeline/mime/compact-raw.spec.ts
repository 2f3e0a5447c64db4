import { randomBytes } from 'node:crypto';
import { ParseEmailFilter } from '../filters/parse-email.filter';
import { detachedInbound } from '../inspect-message';
import { createContext } from '../intake-context';
import { composeMail } from '../testing-fixtures';
import { originalOffset, readCompacted, RUN_KEEP_BYTES, WholeRawNeeded, type CompactRaw } from './compact-raw';
import { DEFAULT_MAIL_LIMITS, scanMime } from './mime-skeleton';
import { ParserPool } from './parser-pool';
import { STAGED_HEAD_BYTES } from './staged-parts';

const pool = new ParserPool(1);
afterAll(() => pool.close());

function compact(raw: Buffer, sliceBytes: number): Promise<CompactRaw | null> {
  return readCompacted(raw.length, sliceBytes, async (from, length) => raw.subarray(from, from + length));
}

/** The message again, each gap filled with the bytes it stands for. */
function refill(raw: Buffer, c: CompactRaw): Buffer {
  const pieces: Buffer[] = [];
  let at = 0;
  for (const gap of c.gaps) {
    pieces.push(c.bytes.subarray(at, gap.at));
    const from = originalOffset(c.gaps, gap.at) - gap.length;
    pieces.push(raw.subarray(from, from + gap.length));
    at = gap.at;
  }
  pieces.push(c.bytes.subarray(at));
  return Buffer.concat(pieces);
}

const pdf = (mb: number): Buffer => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(mb * 1024 * 1024)]);

describe('compacted reading of a large message', () => {
  it('leaves out only whole base64 lines inside a run, whatever the slice size', async () => {
    const content = pdf(3);
    const raw = await composeMail({
      from: 'a@customer.test',
      to: 'support@desk.test',
      subject: 'big',
      text: 'hello\n'.repeat(1000),
      attachments: [{ filename: 'big.pdf', content }],
    });
    for (const slice of [997, 65_536, 1024 * 1024, raw.length]) {
      const c = (await compact(raw, slice))!;
      expect(c.gaps.length).toBe(1);
      expect(c.bytes.length).toBeLessThan(RUN_KEEP_BYTES + 20_000);
      expect(refill(raw, c).equals(raw)).toBe(true);
      const left = raw.toString(
        'latin1',
        originalOffset(c.gaps, c.gaps[0].at) - c.gaps[0].length,
        originalOffset(c.gaps, c.gaps[0].at),
      );
      expect(left).toMatch(/^(?:[A-Za-z0-9+/]+\r\n)+$/);
      // The same structure, and the part's offsets translate to the message's own.
      const whole = scanMime(raw);
      const small = scanMime(c.bytes);
      expect(small.map((p) => p.contentType)).toEqual(whole.map((p) => p.contentType));
      const [wholePart, smallPart] = [whole[2], small[2]];
      expect(originalOffset(c.gaps, smallPart.bodyStart)).toBe(wholePart.bodyStart);
      expect(originalOffset(c.gaps, smallPart.bodyEnd)).toBe(wholePart.bodyEnd);
    }
  });

  it('keeps a message without base64 bulk as it is, last line without a line end included', async () => {
    const raw = Buffer.from(`Subject: plain\r\n\r\n${'a line of text\r\n'.repeat(20_000)}last`, 'latin1');
    const c = (await compact(raw, 4096))!;
    expect(c.gaps).toEqual([]);
    expect(c.bytes.equals(raw)).toBe(true);
  });

  it('gives null when the row goes away between two slices', async () => {
    const raw = await composeMail({ from: 'a@customer.test', subject: 'x', attachments: [{ content: pdf(1) }] });
    let calls = 0;
    const c = await readCompacted(raw.length, 65_536, async (from, length) =>
      ++calls > 3 ? null : raw.subarray(from, from + length),
    );
    expect(c).toBeNull();
  });

  it('parse-email stages a part of a compacted message at its offsets in the staging row', async () => {
    const content = pdf(2);
    const raw = await composeMail({
      from: 'a@customer.test',
      to: 'support@desk.test',
      subject: 'big',
      text: 'attached',
      attachments: [{ filename: 'big.pdf', content, contentType: 'application/pdf' }],
    });
    const c = (await compact(raw, 65_536))!;
    const ctx = createContext(detachedInbound(), c.bytes, true, c.gaps);
    await new ParseEmailFilter(DEFAULT_MAIL_LIMITS, pool).run(ctx);
    const [att] = ctx.message!.attachments;
    expect(att.contentType).toBe('application/pdf');
    expect(att.content.equals(content.subarray(0, STAGED_HEAD_BYTES))).toBe(true);
    const decoded = Buffer.from(raw.toString('latin1', att.staged!.start, att.staged!.end), 'base64');
    expect(decoded.equals(content)).toBe(true);
    expect(ctx.message!.text.trim()).toBe('attached');
  });

  it('parse-email asks for the whole message when bulk was left out of a part it does not stage', async () => {
    // An attached message keeps its own attachment inside its bytes: never staged.
    const inner = await composeMail({
      from: 'b@elsewhere.test',
      subject: 'original',
      text: 'inner',
      attachments: [{ filename: 'inner.pdf', content: pdf(1) }],
    });
    const raw = await composeMail({
      from: 'a@customer.test',
      to: 'support@desk.test',
      subject: 'forwarded',
      text: 'see below',
      attachments: [
        { filename: 'original.eml', content: inner, contentType: 'message/rfc822', contentDisposition: 'attachment' },
      ],
    });
    const c = (await compact(raw, 65_536))!;
    expect(c.gaps.length).toBe(1);
    const ctx = createContext(detachedInbound(), c.bytes, true, c.gaps);
    await expect(new ParseEmailFilter(DEFAULT_MAIL_LIMITS, pool).run(ctx)).rejects.toBeInstanceOf(WholeRawNeeded);
  });
});
