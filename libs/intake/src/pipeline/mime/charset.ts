import { TextDecoder } from 'node:util';
import iconv from 'iconv-lite';

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

/** True when the bytes are well-formed UTF-8 (used to sniff raw 8-bit headers before trusting a declaration). */
export function isValidUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * A raw header value as found in the message (latin1 positions = bytes) → text. Raw 8-bit bytes
 * are sniffed as UTF-8 first, then read in `fallbackCharset` (the part's declared charset), then
 * windows-1252; encoded words (RFC 2047, any charset including UTF-7) are decoded afterwards.
 */
export function decodeHeaderValue(rawLatin1: string, fallbackCharset?: string): string {
  let text = rawLatin1;
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(rawLatin1)) {
    const bytes = Buffer.from(rawLatin1, 'latin1');
    if (isValidUtf8(bytes)) text = bytes.toString('utf8');
    else if (fallbackCharset && !/^(us-)?ascii$|^utf-?8$/i.test(fallbackCharset))
      text = decodeBytes(bytes, fallbackCharset);
    else text = guessLegacy(bytes);
  }
  return decodeEncodedWords(text);
}

/**
 * Without any declaration: Japanese first when the result has kana (kana never appear in a
 * mis-decoded Chinese text), then Chinese, Korean (hangul) and Big5, then windows-1252.
 */
function guessLegacy(bytes: Buffer): string {
  const attempts: Array<[string, RegExp]> = [
    ['shift_jis', /[\u3040-\u30ff]/],
    ['euc-jp', /[\u3040-\u30ff]/],
    [
      'euc-kr',
      /^[\s\p{P}\p{N}\p{Script=Latin}\uac00-\ud7af]*[\uac00-\ud7af][\s\p{P}\p{N}\p{Script=Latin}\uac00-\ud7af]*$/u,
    ],
    ['gb18030', /[\u4e00-\u9fff]/],
    ['big5', /[\u4e00-\u9fff]/],
  ];
  for (const [cs, expected] of attempts) {
    const decoded = decodeBytes(bytes, cs);
    // At least two CJK characters: one stray Latin-1 byte pair can look like a single Han character.
    const cjk = decoded.match(/[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]/g)?.length ?? 0;
    if (!decoded.includes('\ufffd') && expected.test(decoded) && cjk >= 2) return decoded;
  }
  return iconv.decode(bytes, 'windows-1252');
}

const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g;

/** RFC 2047 encoded words; whitespace between two adjacent encoded words is dropped, as the RFC says. */
export function decodeEncodedWords(value: string): string {
  const joined = value.replace(/(\?=)\s+(=\?)/g, '$1$2');
  return joined.replace(ENCODED_WORD, (_m, charset: string, enc: string, data: string) => {
    const bytes =
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(
            data
              .replace(/_/g, ' ')
              .replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          );
    return decodeBytes(bytes, charset);
  });
}
