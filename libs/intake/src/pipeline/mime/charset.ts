import { TextDecoder } from 'node:util';
import iconv from 'iconv-lite';
import { CharsetJudge } from './charset-judge';

const UTF7 = /^(?:(?:cs)?unicode11)?utf7$/;

function normalizeName(charset: string): string {
  return charset.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function isUtf7(charset: string | undefined): boolean {
  return !!charset && UTF7.test(normalizeName(charset));
}

/**
 * Best-effort decoding of bytes in a declared charset; never throws. UTF-7 is decoded here on
 * purpose (mailparser refuses it because it can smuggle `<script>` past naive filters; we decode it
 * and sanitise afterwards, so the markup never survives anyway). Other names go to the WHATWG
 * TextDecoder first (Node's ICU knows ISO-2022-JP, Shift_JIS, EUC-JP, GB18030, Big5, EUC-KR and
 * their aliases, which iconv-lite partly lacks), then iconv-lite (cp932, …); an unknown or broken
 * name falls back to UTF-8.
 */
export function decodeBytes(bytes: Buffer, charset: string | undefined): string {
  const name = (charset ?? '').trim();
  try {
    if (isUtf7(name)) return iconv.decode(bytes, 'utf7');
    if (!name) return bytes.toString('utf8');
    const whatwg = textDecoderFor(name);
    if (whatwg) return whatwg.decode(bytes);
    if (iconv.encodingExists(name)) return iconv.decode(bytes, name);
  } catch {
    // fall through to UTF-8
  }
  return bytes.toString('utf8');
}

function textDecoderFor(label: string): TextDecoder | null {
  try {
    return new TextDecoder(label.replace(/^x-(?=sjis|euc)/i, ''));
  } catch {
    return null;
  }
}

/**
 * A raw header value as found in the message (latin1 positions = bytes) → text. Raw 8-bit bytes
 * carry no declaration: the judge reads them (UTF-8 when they are valid UTF-8, else what the
 * detector and the message's declared charsets make most likely). Encoded words (RFC 2047, any
 * charset including UTF-7) are decoded afterwards, each judged against its own label.
 */
export function decodeHeaderValue(rawLatin1: string, judge: CharsetJudge | string | undefined): string {
  const j = judge instanceof CharsetJudge ? judge : new CharsetJudge([judge]);
  let text = rawLatin1;
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(rawLatin1)) text = j.decode(Buffer.from(rawLatin1, 'latin1'), undefined).text;
  return decodeEncodedWords(text, j);
}

/**
 * One encoded word, tolerating what broken mailers write: whitespace inside the encoded text (a
 * word folded across header lines) is dropped, which is safe because neither encoding uses it.
 */
const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?]*?)\?=/g;

interface Word {
  charset: string;
  bytes: Buffer;
}

function wordBytes(encoding: string, data: string): Buffer {
  const compact = data.replace(/\s+/g, '');
  if (encoding.toUpperCase() === 'B') return Buffer.from(compact, 'base64');
  return Buffer.from(
    compact.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  );
}

/**
 * RFC 2047 encoded words. Whitespace between two adjacent encoded words is dropped, as the RFC
 * says, and adjacent words in the same charset are decoded together: mailers split a multi-byte
 * character, or a UTF-7 shift sequence, across two words. Each run is read by the judge against
 * its label (a word labelled ISO-8859-1 may hold GBK).
 */
export function decodeEncodedWords(value: string, judge: CharsetJudge = new CharsetJudge()): string {
  const out: string[] = [];
  let pending: Word | null = null;
  let last = 0;
  const flush = (): void => {
    if (!pending) return;
    out.push(judge.decode(pending.bytes, pending.charset).text);
    pending = null;
  };
  for (const m of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(last, m.index);
    const word: Word = { charset: m[1], bytes: wordBytes(m[2], m[3]) };
    if (pending && /^\s*$/.test(between) && pending.charset.toLowerCase() === word.charset.toLowerCase()) {
      pending.bytes = Buffer.concat([pending.bytes, word.bytes]);
    } else {
      flush();
      // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
      if (!(last > 0 && /^\s*$/.test(between))) out.push(between);
      pending = word;
    }
    last = m.index + m[0].length;
  }
  flush();
  out.push(value.slice(last));
  return out.join('');
}
