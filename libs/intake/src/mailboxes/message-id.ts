/**
 * The Message-ID header of raw RFC 5322 bytes, read from the header block only (bounded), for
 * staging-time reconciliation. The pipeline parses the message properly later.
 */
export function extractMessageId(raw: Buffer): string | null {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const headers = (end >= 0 ? head.slice(0, end) : head).replace(/\r?\n[ \t]+/g, ' ');
  const match = /^message-id:\s*(<[^<>\s]{1,900}>)/im.exec(headers);
  return match?.[1] ?? null;
}
