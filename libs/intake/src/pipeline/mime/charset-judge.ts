import { chardet } from 'jschardet';
import iconv from 'iconv-lite';
import { TextDecoder } from 'node:util';

/** What a piece of text was read as, and whether that differs from what it claimed to be. */
export interface CharsetVerdict {
  text: string;
  /** Canonical name of the charset the bytes were read in. */
  charset: string;
  /** The declaration was missing, impossible or implausible, and the bytes were read in another charset. */
  sniffed: boolean;
}

/** Charsets of one family read each other's bytes the same way for our purpose. */
const FAMILY: Record<string, string> = {
  gbk: 'gb18030',
  gb2312: 'gb18030',
  cp936: 'gb18030',
  cp932: 'shift_jis',
  windows31j: 'shift_jis',
  cp949: 'euc-kr',
  cp874: 'windows-874',
  iso885916: 'iso-8859-16',
};

/** Charsets in which any byte ≥ 0x80 is impossible: 8-bit bytes prove the label wrong. */
const SEVEN_BIT = new Set(['iso-2022-jp', 'iso-2022-kr', 'iso-2022-cn', 'us-ascii', 'utf-7']);

/** Detector eras worth considering for mail (no mainframe, DOS or classic Mac code pages). */
const ERAS = chardet.EncodingEra.MODERN_WEB | chardet.EncodingEra.LEGACY_ISO;

/** How much a declaration (or the rest of the message) counts next to the detector's confidence. */
const DECLARED_PRIOR = 0.15;
const ELSEWHERE_PRIOR = 0.1;
const MESSAGE_WEIGHT = 0.5;
/** The detector reads at most this much of a message for its overall verdict. */
const SAMPLE_BYTES = 64 * 1024;

export function canonicalCharset(label: string | undefined): string | null {
  const name = (label ?? '').trim().replace(/^["']|["']$/g, '');
  if (!name) return null;
  const key = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (FAMILY[key]) return FAMILY[key];
  if (/^(?:cs)?(?:unicode11)?utf7$/.test(key)) return 'utf-7';
  if (key === 'ascii' || key === 'usascii') return 'us-ascii';
  if (key === 'iso2022jp' || key === 'csiso2022jp') return 'iso-2022-jp';
  try {
    const encoding = new TextDecoder(name.replace(/^x-(?=sjis|euc)/i, '')).encoding;
    return FAMILY[encoding.replace(/[^a-z0-9]/g, '')] ?? encoding;
  } catch {
    return iconv.encodingExists(name) ? key : null;
  }
}

function has8bit(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b >= 0x80) return true;
  return false;
}

/** Two 8-bit bytes in a row: what multi-byte text (CJK, UTF-8) is made of, and Western text seldom is. */
function hasAdjacent8bit(bytes: Uint8Array): boolean {
  for (let i = 1; i < bytes.length; i++) if (bytes[i] >= 0x80 && bytes[i - 1] >= 0x80) return true;
  return false;
}

const SINGLE_BYTE = /^(?:windows-\d+|iso-8859-\d+|koi8-[ru]|ibm866|macintosh|x-mac-cyrillic)$/;

/**
 * The bytes read in `charset`, or null when they are not valid there: malformed sequences, 8-bit
 * bytes in a 7-bit charset, or C1 control characters (which a single-byte reading of bytes
 * meant for a multi-byte charset produces, and real text never contains).
 */
export function strictDecode(bytes: Uint8Array, charset: string): string | null {
  if (SEVEN_BIT.has(charset) && has8bit(bytes)) return null;
  let text: string;
  try {
    if (charset === 'utf-7') text = iconv.decode(Buffer.from(bytes), 'utf7');
    else {
      let decoder: TextDecoder | null = null;
      try {
        decoder = new TextDecoder(charset, { fatal: true });
      } catch {
        decoder = null;
      }
      if (decoder) text = decoder.decode(bytes);
      else if (iconv.encodingExists(charset)) text = iconv.decode(Buffer.from(bytes), charset);
      else return null;
    }
  } catch {
    return null;
  }

  if (text.includes('\ufffd') || /[\u0080-\u009f]/.test(text)) return null;
  return text;
}

interface Candidate {
  charset: string;
  confidence: number;
}

function detect(bytes: Uint8Array): Candidate[] {
  const best = new Map<string, number>();
  for (const r of chardet.detectAll(bytes, { ignoreThreshold: true, encodingEra: ERAS })) {
    const charset = canonicalCharset(r.encoding ?? undefined);
    if (charset && r.confidence > (best.get(charset) ?? 0)) best.set(charset, r.confidence);
  }
  return [...best].map(([charset, confidence]) => ({ charset, confidence }));
}

/**
 * Reads text whose charset label may be missing or wrong, as real mail has it: a part declared
 * ISO-8859-1 that is GBK, Shift_JIS bytes labelled ISO-2022-JP, unlabelled 8-bit text. A label is
 * trusted while it is possible and plausible — valid bytes for a multi-byte charset or UTF-8, or a
 * single-byte charset with no run of 8-bit bytes. Otherwise the charset detector (jschardet) scores
 * the candidates, each read strictly (an invalid reading is out), with a prior for the declared
 * charset and for charsets the rest of the message declares, plus the detector's verdict on the
 * whole message (a four-character file name says little; the body it came with says more).
 * One judge per message.
 */
export class CharsetJudge {
  private readonly declaredElsewhere: Set<string>;
  private messageVerdict: Map<string, number> | null = null;

  constructor(
    declaredInMessage: Array<string | undefined> = [],
    /** Bytes of the message's 8-bit text (bodies, raw headers), read lazily for the overall verdict. */
    private readonly messageSample: () => Uint8Array = () => new Uint8Array(0),
  ) {
    this.declaredElsewhere = new Set(
      declaredInMessage.map((c) => canonicalCharset(c)).filter((c): c is string => !!c && c !== 'us-ascii'),
    );
  }

  decode(bytes: Uint8Array, declaredLabel: string | undefined): CharsetVerdict {
    const declared = canonicalCharset(declaredLabel);
    if (!has8bit(bytes) && (declared === null || !SEVEN_BIT.has(declared) || declared === 'us-ascii'))
      return { text: Buffer.from(bytes).toString('latin1'), charset: declared ?? 'us-ascii', sniffed: false };
    const asDeclared = declared ? strictDecode(bytes, declared) : null;
    if (asDeclared !== null && declared && !(SINGLE_BYTE.test(declared) && hasAdjacent8bit(bytes)))
      return { text: asDeclared, charset: declared, sniffed: false };

    const local = detect(bytes);
    const overall = this.overall();
    const names = new Set([
      ...(asDeclared !== null && declared ? [declared] : []),
      ...local.map((c) => c.charset),
      ...this.declaredElsewhere,
      ...overall.keys(),
    ]);
    let best: { charset: string; text: string; score: number } | null = null;
    for (const charset of names) {
      const text = charset === declared ? asDeclared : strictDecode(bytes, charset);
      if (text === null) continue;
      const score =
        (local.find((c) => c.charset === charset)?.confidence ?? 0) +
        MESSAGE_WEIGHT * (overall.get(charset) ?? 0) +
        (charset === declared ? DECLARED_PRIOR : 0) +
        (this.declaredElsewhere.has(charset) ? ELSEWHERE_PRIOR : 0);
      if (!best || score > best.score) best = { charset, text, score };
    }
    if (best) return { text: best.text, charset: best.charset, sniffed: best.charset !== declared };
    // Nothing reads cleanly: the declaration as best it can, else windows-1252 (every byte is a character).
    const fallback = declared ?? 'windows-1252';
    return { text: lenientDecode(bytes, fallback), charset: fallback, sniffed: declared === null };
  }

  private overall(): Map<string, number> {
    if (!this.messageVerdict) {
      const sample = this.messageSample().subarray(0, SAMPLE_BYTES);
      this.messageVerdict = new Map(
        has8bit(sample) ? detect(sample).map((c) => [c.charset, c.confidence] as const) : [],
      );
    }
    return this.messageVerdict;
  }
}

/** Decoding that never fails (malformed bytes become U+FFFD). */
export function lenientDecode(bytes: Uint8Array, charset: string): string {
  try {
    if (charset === 'utf-7') return iconv.decode(Buffer.from(bytes), 'utf7');
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return iconv.encodingExists(charset)
      ? iconv.decode(Buffer.from(bytes), charset)
      : Buffer.from(bytes).toString('utf8');
  }
}
