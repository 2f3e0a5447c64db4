import type Mail from 'nodemailer/lib/mailer';

/** One message to send, already decided by the domain; this layer only renders and transports it. */
export interface OutboundAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** Set for images shown inside the HTML (`<img src="cid:…">`), without the angle brackets. */
  cid?: string;
}

export interface OutboundMail {
  from: { address: string; name: string };
  /** One address, or several (a forward to more than one person). */
  to: string | string[];
  cc?: string[];
  /** Only ever in the SMTP envelope, never in a header. */
  bcc?: string[];
  replyTo: string;
  subject: string;
  text: string;
  /** Already sanitised; sent with `text` as multipart/alternative. */
  html?: string | null;
  attachments?: OutboundAttachment[];
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  /** Acknowledgements and notifications: marked so that auto-responders stay silent (RFC 3834). */
  autoSubmitted: boolean;
  /** RFC 3834: `auto-replied` (acknowledgements, the default) or `auto-generated` (notifications). */
  autoSubmittedKind?: 'auto-replied' | 'auto-generated';
}

export class HeaderInjectionError extends Error {
  readonly code = 'header_injection';
}

/**
 * Refuses CR, LF (and other control characters) in anything that becomes a header. nodemailer also
 * encodes header values, so this is the second of two locks: a value that reaches here with a line
 * break is a bug or an attack, and is rejected rather than silently cleaned.
 */
export function assertHeaderSafe(field: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\r\n\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u2028\u2029]/.test(value)) {
    throw new HeaderInjectionError(`control character in ${field}`);
  }
}

export function toNodemailerOptions(mail: OutboundMail): Mail.Options {
  assertHeaderSafe('from.name', mail.from.name);
  assertHeaderSafe('from.address', mail.from.address);
  const to = typeof mail.to === 'string' ? [mail.to] : mail.to;
  const cc = mail.cc ?? [];
  const bcc = mail.bcc ?? [];
  for (const a of [...to, ...cc, ...bcc]) assertHeaderSafe('recipient', a);
  assertHeaderSafe('replyTo', mail.replyTo);
  assertHeaderSafe('subject', mail.subject);
  assertHeaderSafe('messageId', mail.messageId);
  if (mail.inReplyTo) assertHeaderSafe('inReplyTo', mail.inReplyTo);
  for (const r of mail.references) assertHeaderSafe('references', r);
  const headers = desksOwnHeaders(mail);
  return {
    from: { name: mail.from.name, address: mail.from.address },
    to,
    ...(cc.length ? { cc } : {}),
    replyTo: mail.replyTo,
    subject: mail.subject,
    text: mail.text,
    ...(mail.html ? { html: mail.html } : {}),
    attachments: (mail.attachments ?? []).map((a) => {
      assertHeaderSafe('attachment', a.filename);
      if (a.cid) assertHeaderSafe('cid', a.cid);
      return {
        filename: a.filename,
        contentType: a.contentType,
        content: a.content,
        ...(a.cid ? { cid: a.cid, contentDisposition: 'inline' as const } : {}),
      };
    }),
    messageId: mail.messageId,
    ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
    ...(mail.references.length ? { references: mail.references } : {}),
    headers,
    // The envelope sender is our address, so bounces come back to a mailbox we read. BCC lives here
    // only: no `bcc` option is given, so no header can ever name those recipients.
    envelope: { from: mail.from.address, to: [...new Set([...to, ...cc, ...bcc])] },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/**
 * The headers the desk adds to everything it sends, whoever builds the message (nodemailer, or
 * plain-text-mime.ts): our address in X-Loop — a forwarding rule that sends our own mail back to
 * us keeps this header (procmail does), and intake then files it as a loop, not as a customer's
 * message — and, for automatic mail, the RFC 3834 marks that keep auto-responders silent.
 */
export function desksOwnHeaders(mail: OutboundMail): Record<string, string> {
  const headers: Record<string, string> = { 'X-Loop': mail.from.address };
  if (mail.autoSubmitted) {
    headers['Auto-Submitted'] = mail.autoSubmittedKind ?? 'auto-replied';
    headers['X-Auto-Response-Suppress'] = 'All';
    headers['Precedence'] = mail.autoSubmittedKind === 'auto-generated' ? 'bulk' : 'auto_reply';
  }
  return headers;
}
