import { QuarantineError } from '../../intake.error';

/** Bounds that keep one hostile message from holding a worker (see mail-limits in the config). */
export interface MailLimits {
  maxBytes: number;
  maxParts: number;
  maxDepth: number;
  /** Longest single header field, unfolded, in bytes. */
  maxHeaderBytes: number;
  /** Wall-clock budget for mailparser, in ms. */
  parseTimeoutMs: number;
}

export const DEFAULT_MAIL_LIMITS: MailLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxParts: 1000,
  maxDepth: 30,
  maxHeaderBytes: 128 * 1024,
  parseTimeoutMs: 10_000,
};

export interface SkeletonPart {
  /** 0 for the top-level message, +1 per enclosing multipart or message/rfc822. */
  depth: number;
  /** Lower-cased header name → raw (still folded-joined, undecoded) values, in order. */
  headers: Map<string, string[]>;
  contentType: string;
  params: Record<string, string>;
  transferEncoding: string;
  /** Byte offset where the part's header block starts. */
  headerStart: number;
  /** Byte offsets of the body in the raw message (latin1 positions equal byte offsets). */
  bodyStart: number;
  bodyEnd: number;
}

/**
 * A cheap, bounded walk over the raw bytes that runs before mailparser: it counts MIME parts,
 * nesting depth and header lengths, and throws a QuarantineError (`limit_*`) as soon as a bound is
 * crossed — before a parser that might stall on the same input is even started. It also returns the
 * part tree in a flat list, which the classifier uses to read delivery reports and the original
 * headers inside a bounce without trusting mailparser's text rendering of them.
 */
export function scanMime(raw: Buffer, limits: MailLimits = DEFAULT_MAIL_LIMITS): SkeletonPart[] {
  if (raw.length > limits.maxBytes) throw new QuarantineError('limit_size');
  // Walks the bytes themselves: only header blocks and candidate boundary lines are decoded
  // (latin1, so string positions equal byte offsets), never the bodies (attachments are most bytes).
  const end = raw.length;
  const parts: SkeletonPart[] = [];
  // Each entry: the boundary of an open multipart and the depth of its children.
  const stack: Array<{ boundary: string; depth: number }> = [];
  let pos = 0;
  let headerMode = true;
  let headerDepth = 0;
  let headerStart = 0;
  let current: SkeletonPart | null = null;

  const closeBody = (at: number): void => {
    if (current && current.bodyEnd < 0) current.bodyEnd = at;
  };

  while (pos <= end) {
    let nl = raw.indexOf(10, pos);
    if (nl < 0) nl = end;
    const lineEnd = nl > pos && raw[nl - 1] === 13 ? nl - 1 : nl;
    if (headerMode) {
      if (lineEnd === pos || nl >= end) {
        // Blank line (or end of input): the header block ends here.
        const endOfHeaders = lineEnd === pos ? pos : end;
        const block = raw.toString('latin1', headerStart, endOfHeaders);
        const headers = readHeaderBlock(block, 0, block.length, limits);
        current = makePart(headers, headerDepth, headerStart, Math.min(nl + 1, end));
        parts.push(current);
        if (parts.length > limits.maxParts) throw new QuarantineError('limit_parts');
        if (headerDepth > limits.maxDepth) throw new QuarantineError('limit_depth');
        headerMode = false;
        if (current.contentType.startsWith('multipart/') && current.params.boundary) {
          stack.push({ boundary: current.params.boundary, depth: headerDepth + 1 });
          if (stack.length > limits.maxDepth) throw new QuarantineError('limit_depth');
        } else if (current.contentType === 'message/rfc822' && current.transferEncoding !== 'base64') {
          // An attached message's own headers start right after its part headers.
          closeBody(end);
          headerMode = true;
          headerDepth = headerDepth + 1;
          headerStart = Math.min(nl + 1, end);
          if (headerDepth > limits.maxDepth) throw new QuarantineError('limit_depth');
        }
      }
    } else if (raw[pos] === 45 && raw[pos + 1] === 45 && stack.length > 0) {
      const line = raw.toString('latin1', pos + 2, lineEnd).trimEnd();
      // The innermost open boundary first; an outer one closes the inner multiparts implicitly.
      for (let i = stack.length - 1; i >= 0; i--) {
        const b = stack[i].boundary;
        if (!line.startsWith(b)) continue;
        const rest = line.slice(b.length);
        if (rest !== '' && rest !== '--') continue;
        closeBody(pos > 0 && raw[pos - 1] === 10 ? pos - 1 : pos);
        const depth = stack[i].depth;
        stack.length = i + 1;
        if (rest === '--') {
          stack.pop();
        } else {
          headerMode = true;
          headerDepth = depth;
          headerStart = Math.min(nl + 1, end);
        }
        break;
      }
    }
    if (nl >= end) break;
    pos = nl + 1;
  }
  closeBody(end);
  return parts;
}

function readHeaderBlock(s: string, start: number, end: number, limits: MailLimits): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  let name: string | null = null;
  let value = '';
  const flush = (): void => {
    if (name === null) return;
    if (value.length > limits.maxHeaderBytes) throw new QuarantineError('limit_header');
    const list = headers.get(name) ?? [];
    list.push(value.trim());
    headers.set(name, list);
    name = null;
    value = '';
  };
  let pos = start;
  while (pos < end) {
    let nl = s.indexOf('\n', pos);
    if (nl < 0 || nl > end) nl = end;
    const line = s.slice(pos, nl > pos && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
    if (line.length > limits.maxHeaderBytes) throw new QuarantineError('limit_header');
    const first = line.charCodeAt(0);
    if ((first === 32 || first === 9) && name !== null) {
      value += ' ' + line.trim();
      if (value.length > limits.maxHeaderBytes) throw new QuarantineError('limit_header');
    } else {
      flush();
      const colon = line.indexOf(':');
      if (colon > 0) {
        name = line.slice(0, colon).trim().toLowerCase();
        value = line.slice(colon + 1);
      }
    }
    pos = nl + 1;
  }
  flush();
  return headers;
}

function makePart(headers: Map<string, string[]>, depth: number, headerStart: number, bodyStart: number): SkeletonPart {
  const { type, params } = parseContentType(headers.get('content-type')?.[0] ?? '');
  return {
    depth,
    headers,
    contentType: type || 'text/plain',
    params,
    transferEncoding: (headers.get('content-transfer-encoding')?.[0] ?? '7bit').trim().toLowerCase(),
    headerStart,
    bodyStart,
    bodyEnd: -1,
  };
}

/** `text/plain; charset="utf-8"` → type and lower-cased parameter names (values as given, unquoted). */
export function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const [head = '', ...rest] = splitParams(value);
  const params: Record<string, string> = {};
  for (const piece of rest) {
    const eq = piece.indexOf('=');
    if (eq <= 0) continue;
    const key = piece.slice(0, eq).trim().toLowerCase();
    let v = piece.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    if (!(key in params)) params[key] = v;
  }
  return { type: head.trim().toLowerCase(), params };
}

function splitParams(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

/** The body bytes of a part with its transfer encoding undone (base64 and quoted-printable). */
export function partBody(raw: Buffer, part: SkeletonPart): Buffer {
  const body = raw.subarray(part.bodyStart, Math.max(part.bodyStart, part.bodyEnd));
  if (part.transferEncoding === 'base64')
    return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (part.transferEncoding === 'quoted-printable') return decodeQuotedPrintable(body.toString('latin1'));
  return body;
}

export function decodeQuotedPrintable(input: string): Buffer {
  const cleaned = input.replace(/[ \t]+(\r?\n)/g, '$1').replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < cleaned.length; i++) {
    const c = cleaned.charCodeAt(i);
    if (c === 61 && /^[0-9A-Fa-f]{2}$/.test(cleaned.slice(i + 1, i + 3))) {
      bytes.push(parseInt(cleaned.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c & 0xff);
    }
  }
  return Buffer.from(bytes);
}
