/**
 * A short, non-personal code for an IMAP failure: safe for logs, metrics and status rows.
 * Server response text is left out on purpose: it can quote addresses or folder names.
 */
export function imapErrorCode(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  const e = error as Error & { code?: unknown; authenticationFailed?: boolean; serverResponseCode?: unknown };
  if (e.authenticationFailed) return 'auth_failed';
  if (typeof e.code === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(e.code)) return e.code;
  if (typeof e.serverResponseCode === 'string') return `server_${e.serverResponseCode}`.slice(0, 60);
  return e.name || 'Error';
}

/**
 * The exact error for an operator who asked (`intake mailbox test`): code and the server's own
 * words. Never log this; print it to the person who ran the check.
 */
export function imapErrorDetail(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & { responseText?: string; code?: unknown };
  const parts = [imapErrorCode(error), e.message];
  if (e.responseText && !e.message.includes(e.responseText)) parts.push(e.responseText);
  return parts.filter(Boolean).join(': ');
}
