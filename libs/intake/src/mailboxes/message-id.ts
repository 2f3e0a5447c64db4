/**
 * The Message-ID header of raw RFC 5322 bytes, read from the header block only (bounded), for
 * staging-time reconciliation. The pipeline parses the message properly later.
 */
export function extractMessageId(raw: Buffer): string | null {
  // Decode the header block only (the end of the first blank line), not the body after it.
  const window = raw.subarray(0, Math.min(raw.length, 64 * 1024));
  const blank = [window.indexOf('\n\n'), window.indexOf('\n\r\n')].filter((i) => i >= 0);
  const head = window.toString('latin1', 0, blank.length > 0 ? Math.min(...blank) : window.length);
  const headers = head.replace(/\r?\n[ \t]+/g, ' ');
  const match = /^message-id:\s*(<[^<>\s]{1,900}>)/im.exec(headers);
  return match?.[1] ?? null;
}
