import type { InboundAttachment, IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

/** `begin 644 name` … `end`: a uuencoded file, as old mailers and some gateways still send. */
const BLOCK = /^begin(?:-base64)? [0-7]{3,4} ([^\r\n]+)\r?\n([\s\S]*?)^end[ \t]*$(\r?\n)?/gm;

const BEGIN = Buffer.from('begin', 'latin1');

/** After leading whitespace, the bytes open with `begin`. */
function startsWithBegin(content: Buffer): boolean {
  let i = 0;
  while (i < content.length && i < 4096 && (content[i] ?? 0) <= 0x20) i++;
  return content.subarray(i, i + BEGIN.length).equals(BEGIN);
}

/** Extensions worth a type (the bytes are checked against it afterwards, see normalize-attachments). */
const TYPE_BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  zip: 'application/zip',
  gz: 'application/gzip',
  txt: 'text/plain',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
};

/**
 * One uuencoded block → its bytes, or null when a line is not uuencoding (then nothing is
 * touched). Each line starts with its byte count (char − 32) and carries 4 characters per 3 bytes.
 */
export function uudecode(body: string): Buffer | null {
  const out: Buffer[] = [];
  for (const raw of body.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    const count = (raw.charCodeAt(0) - 32) & 0x3f;
    if (count === 0) break;
    // Some encoders trim the spaces a line ends with (a space and a backquote both mean 0).
    const chars = raw.slice(1).padEnd(Math.ceil(count / 3) * 4, ' ');
    const line = Buffer.alloc(Math.ceil(count / 3) * 3);
    for (let i = 0, o = 0; o < line.length; i += 4, o += 3) {
      const v: number[] = [];
      for (let k = 0; k < 4; k++) {
        const code = chars.charCodeAt(i + k);
        if (code < 32 || code > 96) return null;
        v.push((code - 32) & 0x3f);
      }
      const [a = 0, b = 0, c = 0, d = 0] = v;
      line[o] = (a << 2) | (b >> 4);
      line[o + 1] = ((b & 0xf) << 4) | (c >> 2);
      line[o + 2] = ((c & 0x3) << 6) | d;
    }
    out.push(line.subarray(0, count));
  }
  return Buffer.concat(out);
}

function attachmentFrom(name: string, content: Buffer): InboundAttachment {
  const ext = /\.([a-z0-9]{1,5})$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  return {
    filename: name.trim(),
    contentType: TYPE_BY_EXTENSION[ext] ?? 'application/octet-stream',
    content,
    contentId: null,
    inline: false,
  };
}

/**
 * uuencoded files become real attachments with their names: a part sent with
 * `Content-Transfer-Encoding: x-uuencode` (mailparser hands it over still encoded) and `begin 644
 * name` blocks inside a plain-text body, which are taken out of the text. Runs right after parsing,
 * so every later filter sees the files as attachments.
 */
export class UuencodedFilter implements IntakeFilter {
  readonly name = 'uuencoded';

  run(ctx: IntakeContext): void {
    const message = ctx.message;
    if (!message || ctx.form) return;
    let found = 0;
    message.attachments = message.attachments.map((a) => {
      // Only a part that is one uuencoded block is decoded: look at its first bytes before turning
      // the whole part into text (most attachments are large binaries that never start so).
      if (a.staged || !startsWithBegin(a.content)) return a;
      const text = a.content.toString('latin1');
      BLOCK.lastIndex = 0;
      const m = BLOCK.exec(text.trimStart());
      if (!m || text.trim().length !== m[0].trim().length) return a;
      const content = uudecode(m[2] ?? '');
      if (!content) return a;
      found++;
      return { ...attachmentFrom(a.filename || (m[1] ?? ''), content), contentId: a.contentId, inline: false };
    });
    const extracted: InboundAttachment[] = [];
    message.text = message.text.replace(BLOCK, (block: string, name: string, body: string) => {
      const content = uudecode(body);
      if (!content) return block;
      extracted.push(attachmentFrom(name, content));
      return '';
    });
    message.attachments.push(...extracted);
    found += extracted.length;
    if (found > 0) ctx.notes.push({ filter: this.name, note: `${found} uuencoded file(s) decoded` });
  }
}
