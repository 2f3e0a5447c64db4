import { randomBytes } from 'node:crypto';
import { isBase64Symbol, originalOffset, type RawGap } from './compact-raw';
import type { SkeletonPart } from './mime-skeleton';

/**
 * Large attachments are never decoded in the worker. A base64 part of at least this many bytes of
 * text, in a message whose raw bytes sit in its staging row, is cut out of what mailparser reads and
 * stored by PostgreSQL itself from the staging row (`decode(…, 'base64')` in the commit's
 * transaction, persist-inbound). The worker keeps only the part's first bytes for the filters that
 * look at content (type sniffing, file names).
 */
export const STAGED_PART_FROM_BYTES = 1024 * 1024;

/** Decoded bytes of a staged part kept for the filters (normalize-attachments reads at most 64 KB). */
export const STAGED_HEAD_BYTES = 64 * 1024;

/** A part whose bytes stay in the staging row: base64 text at `start`..`end` of the raw message. */
export interface StagedPart {
  start: number;
  end: number;
  /** What mailparser sees instead of the part's bytes (decoded), to find the part among its attachments. */
  marker: Buffer;
}

/**
 * The parts that can be left to the database: leaves that mailparser always turns into an
 * attachment (not text, not multipart, not an attached message, nor anything inside one, whose
 * bytes belong to that message's own attachment) whose base64 body is clean enough for
 * PostgreSQL's strict decoder. Anything else goes through mailparser as before.
 */
export function findStageableParts(raw: Buffer, mime: SkeletonPart[], gaps: RawGap[] = []): SkeletonPart[] {
  const found: SkeletonPart[] = [];
  // Depth of the innermost attached message (message/rfc822 read as headers) we are inside, if any.
  let insideMessageAt = Number.POSITIVE_INFINITY;
  for (const part of mime) {
    if (part.depth <= insideMessageAt) insideMessageAt = Number.POSITIVE_INFINITY;
    if (part.contentType === 'message/rfc822' && part.transferEncoding !== 'base64') {
      insideMessageAt = Math.min(insideMessageAt, part.depth);
      continue;
    }
    if (insideMessageAt !== Number.POSITIVE_INFINITY) continue;
    if (part.transferEncoding !== 'base64') continue;
    if (/^(?:text|multipart|message)\//.test(part.contentType)) continue;
    // Its size in the staging row (bulk may have been left out of `raw`, mime/compact-raw.ts).
    if (originalOffset(gaps, part.bodyEnd) - originalOffset(gaps, part.bodyStart) < STAGED_PART_FROM_BYTES) continue;
    if (!isStrictBase64(raw, part.bodyStart, part.bodyEnd)) continue;
    found.push(part);
  }
  return found;
}

/**
 * Base64 that PostgreSQL's `decode` accepts and that decodes to what mailparser would have made of
 * it: the alphabet, whitespace between, a length in whole quartets, `=` only as the last one or two.
 */
export function isStrictBase64(raw: Buffer, start: number, end: number): boolean {
  let symbols = 0;
  let padding = 0;
  for (let i = start; i < end; i++) {
    const c = raw[i] ?? 0;
    if (c === 13 || c === 10 || c === 32 || c === 9) continue;
    if (c === 61) {
      padding++;
      symbols++;
      continue;
    }
    if (padding > 0) return false; // a symbol after padding
    if (isBase64Symbol(c)) {
      symbols++;
      continue;
    }
    return false;
  }
  return symbols > 0 && symbols % 4 === 0 && padding <= 2;
}

/**
 * The raw message with each given part's body replaced by a short marker (base64 of random bytes),
 * in document order. Headers, boundaries and every other byte stay as they were.
 */
export function withStagedPartsCut(raw: Buffer, parts: SkeletonPart[]): { raw: Buffer; staged: StagedPart[] } {
  const pieces: Buffer[] = [];
  const staged: StagedPart[] = [];
  let at = 0;
  for (const part of [...parts].sort((a, b) => a.bodyStart - b.bodyStart)) {
    const marker = Buffer.concat([Buffer.from('intake-staged-part:'), randomBytes(18)]);
    pieces.push(raw.subarray(at, part.bodyStart), Buffer.from(marker.toString('base64'), 'latin1'));
    staged.push({ start: part.bodyStart, end: part.bodyEnd, marker });
    at = part.bodyEnd;
  }
  pieces.push(raw.subarray(at));
  return { raw: Buffer.concat(pieces), staged };
}

/** The first `bytes` decoded bytes of a base64 body (whitespace skipped, whole quartets only). */
export function base64Head(raw: Buffer, start: number, end: number, bytes = STAGED_HEAD_BYTES): Buffer {
  const wanted = Math.ceil(bytes / 3) * 4;
  const symbols = Buffer.allocUnsafe(wanted);
  let n = 0;
  for (let i = start; i < end && n < wanted; i++) {
    const c = raw[i] ?? 0;
    if (c === 13 || c === 10 || c === 32 || c === 9) continue;
    symbols[n++] = c;
  }
  return Buffer.from(symbols.toString('latin1', 0, n - (n % 4)), 'base64').subarray(0, bytes);
}
