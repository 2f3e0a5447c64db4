import { decodeHeaderValue } from '../mime/charset';
import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

const MAX_FILENAME = 180;

/**
 * Attachment names are plain text chosen by the sender: no path parts (`../../etc/passwd`), no
 * control characters, no bidi overrides (`invoice\u202Efdp.exe` shows as "invoiceexe.pdf"), and a
 * bounded length that keeps the extension. Spaces inside a name stay as the sender wrote them
 * (`Q3  report.pdf` is not `Q3 report.pdf`); only the ends are trimmed.
 */
export function normalizeFilename(name: string, contentType = 'application/octet-stream', content?: Buffer): string {
  let n = name.normalize('NFC');
  n = n.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  n = n.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]/g, '');
  n = n.replace(/^[\s.]+|[\s.]+$/g, '');
  if (!n) n = unnamed(contentType, content);
  if (n.length > MAX_FILENAME) {
    const dot = n.lastIndexOf('.');
    const ext = dot > 0 && n.length - dot <= 12 ? n.slice(dot) : '';
    n = n.slice(0, MAX_FILENAME - ext.length).trimEnd() + ext;
  }
  return n;
}

/** Names for parts sent without one, as mail clients show them. */
const DEFAULT_NAMES: Record<string, string> = {
  'application/pgp-signature': 'signature.asc',
  'application/pgp-keys': 'keys.asc',
  'application/pkcs7-signature': 'smime.p7s',
  'application/x-pkcs7-signature': 'smime.p7s',
};

/** A forwarded message is named after its subject (`Subject.eml`); other types by their kind. */
function unnamed(contentType: string, content?: Buffer): string {
  if (DEFAULT_NAMES[contentType]) return DEFAULT_NAMES[contentType];
  if (contentType === 'message/rfc822' && content) {
    const subject = forwardedSubject(content)
      .replace(/[/\\:*?"<>|]+/g, '-')
      .replace(/^[\s.]+|[\s.]+$/g, '');
    if (subject) return normalizeFilename(`${subject}.eml`);
  }
  return `attachment${defaultExtension(contentType)}`;
}

/** The Subject of an attached message, read from its own header block. */
function forwardedSubject(content: Buffer): string {
  const head = content.toString('latin1', 0, Math.min(content.length, 64 * 1024));
  const end = head.search(/\r?\n\r?\n/);
  const block = end < 0 ? head : head.slice(0, end);
  const m = /^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(block);
  if (!m?.[1]) return '';
  const subject = decodeHeaderValue(m[1].replace(/\r?\n[ \t]+/g, ' '), undefined);
  // eslint-disable-next-line no-control-regex
  return subject.replace(/[\u0000-\u001f]+/g, ' ').trim();
}

function defaultExtension(type: string): string {
  return (
    {
      'image/png': '.png',
      'image/jpeg': '.jpg',
      'image/gif': '.gif',
      'application/pdf': '.pdf',
      'text/plain': '.txt',
      'message/rfc822': '.eml',
    }[type] ?? ''
  );
}

/** Types recognised from their first bytes. Only these can be confirmed or refuted. */
const MAGIC: Array<{ type: string; test: (b: Buffer) => boolean }> = [
  { type: 'application/pdf', test: (b) => b.subarray(0, 1024).includes('%PDF-') },
  {
    type: 'image/png',
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { type: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: 'image/gif',
    test: (b) => b.subarray(0, 6).toString('latin1') === 'GIF87a' || b.subarray(0, 6).toString('latin1') === 'GIF89a',
  },
  {
    type: 'image/webp',
    test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
  { type: 'image/bmp', test: (b) => b.subarray(0, 2).toString('latin1') === 'BM' && b.length > 14 },
  { type: 'image/tiff', test: (b) => ['II*\u0000', 'MM\u0000*'].includes(b.subarray(0, 4).toString('latin1')) },
  {
    type: 'application/zip',
    test: (b) =>
      b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) ||
      b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x05, 0x06])),
  },
  { type: 'application/gzip', test: (b) => b[0] === 0x1f && b[1] === 0x8b },
  {
    type: 'application/x-ole-storage',
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])),
  },
  { type: 'application/x-msdownload', test: (b) => b.subarray(0, 2).toString('latin1') === 'MZ' },
  { type: 'application/x-elf', test: (b) => b.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) },
];

/** Declared types and the byte families that may legitimately carry them. */
const FAMILY: Record<string, string[]> = {
  'application/pdf': ['application/pdf'],
  'image/png': ['image/png'],
  'image/jpeg': ['image/jpeg'],
  'image/jpg': ['image/jpeg'],
  'image/pjpeg': ['image/jpeg'],
  'image/gif': ['image/gif'],
  'image/webp': ['image/webp'],
  'image/bmp': ['image/bmp'],
  'image/tiff': ['image/tiff'],
  'application/zip': ['application/zip'],
  'application/x-zip-compressed': ['application/zip'],
  'application/gzip': ['application/gzip'],
  'application/x-gzip': ['application/gzip'],
  'application/msword': ['application/x-ole-storage'],
  'application/vnd.ms-excel': ['application/x-ole-storage'],
  'application/vnd.ms-powerpoint': ['application/x-ole-storage'],
  'application/vnd.ms-outlook': ['application/x-ole-storage'],
};

export function sniffContentType(bytes: Buffer): string | null {
  return MAGIC.find((m) => m.test(bytes))?.type ?? null;
}

/**
 * The declared content type, checked against the bytes: a type we can recognise whose magic
 * number is missing, or bytes of an executable under any other name, become
 * application/octet-stream (downloaded, never rendered). OOXML/ODF are zip containers.
 */
export function checkContentType(declared: string, bytes: Buffer): string {
  const type = declared.toLowerCase().split(';')[0].trim() || 'application/octet-stream';
  const sniffed = sniffContentType(bytes);
  if (sniffed === 'application/x-msdownload' || sniffed === 'application/x-elf') {
    return type === 'application/x-msdownload' || type === 'application/octet-stream'
      ? type
      : 'application/octet-stream';
  }
  if (type.startsWith('application/vnd.openxmlformats') || type.startsWith('application/vnd.oasis.opendocument')) {
    return sniffed === 'application/zip' ? type : 'application/octet-stream';
  }
  const family = FAMILY[type];
  if (family) return sniffed && family.includes(sniffed) ? type : 'application/octet-stream';
  // A raster image declared as something else is fine to keep as declared; the UI never inlines
  // anything but verified images.
  return type;
}

const NEVER_INLINE_TYPE =
  /^(?:image\/svg\+xml|text\/html|application\/xhtml\+xml|text\/xml|application\/xml|text\/javascript|application\/javascript|application\/ecmascript|text\/x-[a-z]*script)/;
const NEVER_INLINE_NAME = /\.(?:svg|svgz|html?|xhtml|xht|xml|js|mjs|hta)$/i;
const INLINE_IMAGE = /^image\/(?:png|jpeg|gif|webp|bmp)$/;

export class NormalizeAttachmentsFilter implements IntakeFilter {
  readonly name = 'normalize-attachments';

  run(ctx: IntakeContext): void {
    for (const a of ctx.message?.attachments ?? []) {
      const declared = (a.contentType || 'application/octet-stream').toLowerCase();
      a.filename = normalizeFilename(a.filename, declared, a.content);
      const checked = checkContentType(declared, a.content);
      a.declaredContentType = checked === declared ? null : declared;
      a.contentType = checked;
      const looksLikeMarkup = /^\s*(?:<\?xml[^>]*>\s*)?<(?:svg|!doctype html|html)\b/i.test(
        a.content.subarray(0, 512).toString('latin1'),
      );
      a.neverInline = NEVER_INLINE_TYPE.test(checked) || NEVER_INLINE_NAME.test(a.filename) || looksLikeMarkup;
      a.inline = a.inline && !a.neverInline && INLINE_IMAGE.test(checked);
    }
  }
}

/** An agent's upload, judged like an inbound attachment: safe name, type checked against the bytes. */
export interface CheckedUpload {
  filename: string;
  contentType: string;
  /** The type the browser declared, when the bytes said otherwise. */
  declaredContentType: string | null;
  neverInline: boolean;
  content: Buffer;
}

export function checkUploadedFile(name: string, declaredType: string, content: Buffer): CheckedUpload {
  const declared = (declaredType || 'application/octet-stream').toLowerCase();
  const filename = normalizeFilename(name, declared, content);
  const contentType = checkContentType(declared, content);
  const looksLikeMarkup = /^\s*(?:<\?xml[^>]*>\s*)?<(?:svg|!doctype html|html)\b/i.test(
    content.subarray(0, 512).toString('latin1'),
  );
  return {
    filename,
    contentType,
    declaredContentType: contentType === declared ? null : declared,
    neverInline: NEVER_INLINE_TYPE.test(contentType) || NEVER_INLINE_NAME.test(filename) || looksLikeMarkup,
    content,
  };
}
