/**
 * A large raw message read without its bulk. Most of a large message is base64 lines of its
 * attachments, and those bytes are stored by the database from the staging row (staged-parts.ts):
 * the worker needs only their first bytes (type sniffing) and where they are. So the message is
 * read slice by slice, and of each run of base64 lines only the first RUN_KEEP_BYTES and the
 * last line are kept; what is left out is recorded as a gap. The filters then run on the
 * compacted bytes, whose MIME structure is the message's own, and staged parts' offsets are
 * translated back to the staging row's bytes. A gap anywhere but in a part that is staged means the
 * message must be read whole after all (WholeRawNeeded).
 */

/** Bytes of a base64 run kept at its start: more than the 64 KB head of a staged part needs as text. */
export const RUN_KEEP_BYTES = 96 * 1024;

/** Longest line that can be left out (RFC 5322 allows 998 characters and the line end). */
const MAX_LINE = 1000;

/** Bytes left out at `at` of the compacted message (between its bytes at-1 and at). */
export interface RawGap {
  at: number;
  length: number;
}

export interface CompactRaw {
  bytes: Buffer;
  /** In increasing order of `at`; empty when nothing was left out. */
  gaps: RawGap[];
}

/**
 * The filters met a gap they cannot do without (in a part that is not staged, or a message
 * mailparser reads differently cut): read the message whole and run them again.
 */
export class WholeRawNeeded extends Error {
  constructor() {
    super('the whole raw message is needed');
  }
}

/** Offset in the staging row's bytes of a compacted offset that is not a gap's own position. */
export function originalOffset(gaps: RawGap[], at: number): number {
  let offset = at;
  for (const gap of gaps) {
    if (gap.at > at) break;
    offset += gap.length;
  }
  return offset;
}

/** A-Z, a-z, 0-9, + and / (padding aside). */
export function isBase64Symbol(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
}

/** A line made of base64 symbols only, in whole quartets (no padding: that ends a run). */
function isBulkLine(buf: Buffer, start: number, end: number): boolean {
  let stop = end;
  if (stop > start && buf[stop - 1] === 10) stop--;
  if (stop > start && buf[stop - 1] === 13) stop--;
  const n = stop - start;
  if (n < 4 || n % 4 !== 0 || end - start > MAX_LINE) return false;
  for (let i = start; i < stop; i++) if (!isBase64Symbol(buf[i] ?? 0)) return false;
  return true;
}

/**
 * Reads `size` bytes through `readSlice` (offset, length → the bytes, or null if the row went away)
 * and compacts them. The bytes are written into a SharedArrayBuffer of the full size, kept lines
 * moved down in place: only the pages of the compacted message and of one slice are ever touched,
 * and the parser thread can read the result without a copy.
 */
export async function readCompacted(
  size: number,
  sliceBytes: number,
  readSlice: (from: number, length: number) => Promise<Buffer | null>,
): Promise<CompactRaw | null> {
  const buf = Buffer.from(new SharedArrayBuffer(size));
  const gaps: RawGap[] = [];
  /** End of the compacted bytes. */
  let out = 0;
  /** Bytes of a base64 run kept so far. */
  let runKept = 0;
  /** The latest bulk line past the kept start of a run: kept if the run ends after it. */
  let held: Buffer | null = null;
  let gap: RawGap | null = null;

  const endRun = (): void => {
    if (held) {
      held.copy(buf, out);
      out += held.length;
      held = null;
    }
    if (gap) gaps.push(gap);
    gap = null;
    runKept = 0;
  };
  const keep = (at: number, length: number): void => {
    if (at !== out) buf.copy(buf, out, at, at + length);
    out += length;
  };
  // A line still unread always lies at or after out + the held line's length (everything before it
  // was kept, held or left out), so moving kept bytes down never overwrites one.
  const line = (at: number, length: number): void => {
    if (!isBulkLine(buf, at, at + length)) {
      endRun();
      return keep(at, length);
    }
    if (runKept < RUN_KEEP_BYTES) {
      runKept += length;
      return keep(at, length);
    }
    if (held) {
      gap ??= { at: out, length: 0 };
      gap.length += held.length;
    }
    held = Buffer.from(buf.subarray(at, at + length));
  };

  // (A function: TypeScript cannot see the closures above assign `held`.)
  const heldLength = (): number => (held ? held.length : 0);
  /** Where the line that is not complete yet begins, and its length so far. */
  let pendingAt = 0;
  let pending = 0;
  for (let from = 0; from < size;) {
    const slice = await readSlice(from, Math.min(sliceBytes, size - from));
    if (!slice || slice.length === 0) return null;
    const start = pendingAt + pending;
    slice.copy(buf, start);
    const end = start + slice.length;
    from += slice.length;
    let lineStart = pendingAt;
    const read = buf.subarray(0, end); // indexOf stops at what has been read
    for (let nl = read.indexOf(10, start); nl >= 0; nl = read.indexOf(10, nl + 1)) {
      line(lineStart, nl + 1 - lineStart);
      lineStart = nl + 1;
    }
    pending = end - lineStart;
    pendingAt = out + heldLength();
    if (pending > 0 && lineStart !== pendingAt) buf.copy(buf, pendingAt, lineStart, end);
  }
  if (pending > 0) line(pendingAt, pending);
  endRun();
  return { bytes: buf.subarray(0, out), gaps };
}
