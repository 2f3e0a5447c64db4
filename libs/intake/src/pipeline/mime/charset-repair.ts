import { CharsetJudge } from './charset-judge';
import { partBody, type SkeletonPart } from './mime-skeleton';

/** The text parts mailparser turns into the message's text and HTML (not attachments, not inside an attached message). */
export function bodyTextParts(mime: SkeletonPart[]): SkeletonPart[] {
  const ancestors: SkeletonPart[] = [];
  const out: SkeletonPart[] = [];
  for (const part of mime) {
    ancestors.length = part.depth;
    const insideMessage = ancestors.some((a) => a?.contentType === 'message/rfc822');
    ancestors[part.depth] = part;
    if (insideMessage || isAttachment(part)) continue;
    if (part.contentType === 'text/plain' || part.contentType === 'text/html') out.push(part);
  }
  return out;
}

function isAttachment(part: SkeletonPart): boolean {
  return /^\s*attachment/i.test(part.headers.get('content-disposition')?.[0] ?? '');
}

/**
 * One judge per message: the charsets its parts declare, and (read only if some text needs it)
 * a sample of its 8-bit text — the body parts and the raw header values — for the detector's
 * verdict on the message as a whole.
 */
export function messageJudge(raw: Buffer, mime: SkeletonPart[]): CharsetJudge {
  const texts = bodyTextParts(mime);
  return new CharsetJudge(
    mime.map((p) => p.params.charset),
    () => {
      const chunks: Buffer[] = [];
      for (const values of mime[0]?.headers.values() ?? []) {
        // eslint-disable-next-line no-control-regex
        for (const v of values) if (/[^\x00-\x7f]/.test(v)) chunks.push(Buffer.from(v, 'latin1'));
      }
      for (const part of texts) chunks.push(partBody(raw, part));
      return Buffer.concat(chunks);
    },
  );
}

export interface Relabelled {
  /** Index of the part in the skeleton. */
  part: number;
  declared: string | null;
  charset: string;
}

/**
 * Text parts whose declared charset cannot be right (or that declare none and are not UTF-8) get
 * the charset their bytes are really in written into their Content-Type, in a copy of the raw
 * message handed to mailparser, so it decodes them right and assembles text and HTML as it always
 * does. Only header lines of body text parts change: attachment bytes (attached messages
 * included) stay exactly as received, and `ctx.raw` itself is untouched.
 */
export function relabelMislabelledText(
  raw: Buffer,
  mime: SkeletonPart[],
  judge: CharsetJudge,
): { raw: Buffer; relabelled: Relabelled[] } {
  const edits: Array<{ part: SkeletonPart; charset: string }> = [];
  const relabelled: Relabelled[] = [];
  for (const part of bodyTextParts(mime)) {
    const declared = part.params.charset ?? null;
    const verdict = judge.decode(partBody(raw, part), declared ?? undefined);
    // mailparser reads an undeclared part as UTF-8.
    if (!verdict.sniffed || (declared === null && verdict.charset === 'utf-8')) continue;
    edits.push({ part, charset: verdict.charset });
    relabelled.push({ part: mime.indexOf(part), declared, charset: verdict.charset });
  }
  if (edits.length === 0) return { raw, relabelled };
  const pieces: Buffer[] = [];
  let at = 0;
  for (const { part, charset } of edits.sort((a, b) => a.part.headerStart - b.part.headerStart)) {
    const block = raw.toString('latin1', part.headerStart, part.bodyStart);
    pieces.push(raw.subarray(at, part.headerStart), Buffer.from(withCharset(block, part, charset), 'latin1'));
    at = part.bodyStart;
  }
  pieces.push(raw.subarray(at));
  return { raw: Buffer.concat(pieces), relabelled };
}

/** The header block with its Content-Type (folded lines included) replaced, or one added. */
function withCharset(block: string, part: SkeletonPart, charset: string): string {
  const params = Object.entries(part.params)
    .filter(([k]) => k !== 'charset')
    .map(([k, v]) => `; ${k}="${v.replace(/["\\\r\n]/g, '')}"`)
    .join('');
  const line = `Content-Type: ${part.contentType}${params}; charset=${charset}\r\n`;
  const header = /^content-type:.*(?:\r?\n[ \t].*)*\r?\n/im;
  return header.test(block) ? block.replace(header, line) : line + block;
}

/**
 * mailparser reads raw 8-bit bytes in a file name as Latin-1 (and an encoded name in whatever its
 * label says). When that reading shows runs of 8-bit characters, the original bytes are judged
 * like any other text of the message: `·¢Æ±.pdf` was GBK and is `发票.pdf`.
 */
export function repairFilename(name: string, judge: CharsetJudge): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\u0080-\u00ff]{2}/.test(name) || /[^\u0000-\u00ff]/.test(name)) return name;
  const verdict = judge.decode(Buffer.from(name, 'latin1'), undefined);
  return verdict.charset === 'windows-1252' ? name : verdict.text;
}
