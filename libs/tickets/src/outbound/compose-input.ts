import { ATTACHMENT_PLACEHOLDER_SCHEME, sanitizeEmailHtml } from '@app/mail';
import { convert } from 'html-to-text';
import { z } from 'zod';
import { TicketError } from '../ticket.error';

export const MAX_REPLY_LENGTH = 100_000;
export const MAX_HTML_LENGTH = 500_000;
export const MAX_RECIPIENTS = 20;
export const MAX_ATTACHMENTS_PER_MESSAGE = 20;

const address = z
  .string()
  .trim()
  .max(254)
  // eslint-disable-next-line no-control-regex
  .refine((v) => !/[\u0000-\u001f\u007f\u2028\u2029,;<>]/.test(v), 'must be one plain address')
  .pipe(z.email({ error: 'must be an email address' }))
  .transform((v) => v.toLowerCase());
const addresses = z.array(address).max(MAX_RECIPIENTS, `at most ${MAX_RECIPIENTS} addresses`).default([]);

const schema = z.object({
  body: z.string().max(MAX_REPLY_LENGTH, `must be at most ${MAX_REPLY_LENGTH} characters`).optional(),
  html: z.string().max(MAX_HTML_LENGTH, `must be at most ${MAX_HTML_LENGTH} characters`).optional(),
  to: addresses,
  cc: addresses,
  bcc: addresses,
  attachmentIds: z
    .array(z.uuid({ error: 'must be upload ids' }))
    .max(MAX_ATTACHMENTS_PER_MESSAGE, `at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments`)
    .default([]),
});

/** A reply, note or forward as the agent wrote it, checked and made safe. */
export interface ComposedMessage {
  text: string;
  /** Sanitised with the desk's one allowlist; inline images as `intake-attachment:<index>`. */
  html: string | null;
  to: string[];
  cc: string[];
  bcc: string[];
  /** Uploads to attach, in order (the placeholder index refers to this list). */
  attachmentIds: string[];
}

/**
 * Reads a compose request: a plain string (text only) or `{ body?, html?, to?, cc?, bcc?,
 * attachmentIds? }`. With `html`, the HTML is sanitised server-side with the allowlist used for
 * inbound mail and the plain-text part is derived from it (unless `body` is given too). Images the
 * editor inserted from an upload (`/api/uploads/<id>/content`) become inline `cid:` parts; every
 * other image source is dropped or blocked by the sanitiser. `allowEmpty` lets a forward carry no
 * text of its own.
 */
export function parseComposeInput(input: unknown, options: { allowEmpty?: boolean } = {}): ComposedMessage {
  const raw = typeof input === 'string' ? { body: input } : (input ?? {});
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TicketError(
      'invalid_ticket_change',
      `${issue?.path.join('.') || 'body'} ${issue?.message ?? 'is invalid'}`,
    );
  }
  const { body, html, to, cc, bcc } = parsed.data;
  const attachmentIds = [...new Set(parsed.data.attachmentIds)];
  let safeHtml: string | null = null;
  if (html !== undefined && html.trim() !== '') {
    // Inline images from uploads: `<img src="/api/uploads/<id>/content">` → cid of that upload, so the
    // sanitiser keeps them (as attachment placeholders) and the upload is attached.
    const withCids = html.replace(
      /(<img\b[^>]*?\bsrc\s*=\s*["'])\/api\/uploads\/([0-9a-f-]{36})\/content(["'])/gi,
      (_m, before: string, id: string, after: string) => {
        if (!attachmentIds.includes(id.toLowerCase())) attachmentIds.push(id.toLowerCase());
        return `${before}cid:${id.toLowerCase()}@upload${after}`;
      },
    );
    if (attachmentIds.length > MAX_ATTACHMENTS_PER_MESSAGE) {
      throw new TicketError(
        'invalid_ticket_change',
        `attachmentIds at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments`,
      );
    }
    const cids = attachmentIds.map((id) => ({ contentId: `${id}@upload` }));
    safeHtml = sanitizeEmailHtml(withCids, cids).html.trim() || null;
  }
  const text = normalizeText(body ?? (safeHtml ? htmlToText(safeHtml) : ''));
  if (!text && !options.allowEmpty && attachmentIds.length === 0) {
    throw new TicketError('invalid_ticket_change', `body must be 1–${MAX_REPLY_LENGTH} characters`);
  }
  if (text.length > MAX_REPLY_LENGTH) {
    throw new TicketError('invalid_ticket_change', `body must be at most ${MAX_REPLY_LENGTH} characters`);
  }
  return { text, html: safeHtml, to, cc, bcc, attachmentIds };
}

/** Uploads the HTML shows inline (its `intake-attachment:<index>` placeholders), by upload id. */
export function inlineUploadIds(composed: ComposedMessage): Set<string> {
  if (!composed.html) return new Set();
  return new Set(
    [...composed.html.matchAll(new RegExp(`${ATTACHMENT_PLACEHOLDER_SCHEME}:(\\d+)`, 'g'))].map(
      (x) => composed.attachmentIds[Number(x[1])] ?? '',
    ),
  );
}

function normalizeText(text: string): string {
  return text.replace(/\r\n?/g, '\n').trim();
}

/** The plain-text alternative of sanitised HTML (links as `text [url]`, lists with bullets). */
export function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: `img[src^="${ATTACHMENT_PLACEHOLDER_SCHEME}:"]`, format: 'skip' },
    ],
  });
}

/** Escapes plain text for use inside HTML (signatures appended to an HTML reply). */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
