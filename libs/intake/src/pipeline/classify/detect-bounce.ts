import { decodeBytes } from '../mime/charset';
import { partBody, type SkeletonPart } from '../mime/mime-skeleton';
import type { BounceRecipient, NormalizedMessage } from '../intake-context';
import { bounceReason, findStatusCode, isPermanent } from './bounce-reason';

export interface BounceFinding {
  kind: 'bounce' | 'feedback';
  signals: string[];
  recipients: BounceRecipient[];
  originalMessageId: string | null;
  feedbackType: string | null;
}

const DAEMON_SENDER =
  /^(?:mailer-daemon|mailer_daemon|maildaemon|mail-daemon|postmaster|mmdf|smtp-gateway|mdaemon|mailadmin|bounce|bounces)(?:[+@]|$)/i;
const DAEMON_NAME = /\bmail ?delivery (?:sub)?system\b|\bmailer[- ]daemon\b|\bpostmaster\b|\bmail administrator\b/i;
const BOUNCE_SUBJECT =
  /\b(?:undeliver(?:ed|able)|undelivered mail|delivery (?:status notification|failure|failed|has failed|problem|report)|returned mail|mail delivery (?:failed|failure|subsystem)|failure notice|non[- ]?delivery|could not be delivered|message not delivered|delivery notification|returned to sender|nicht zustellbar|unzustellbar|non remis|non distribuable|mail system error|warning: could not send|rejected|delayed mail|delivery delayed|unable to deliver)\b/i;

/**
 * Recognises delivery failures: standard DSNs (multipart/report; report-type=delivery-status, RFC
 * 3464), ARF feedback reports (RFC 5965), and the non-standard bounces many MTAs still send
 * (qmail, Exim, old Sendmail, Exchange, webmail providers) — those need a daemon-like sender or a
 * bounce-like subject AND a failed recipient found in the text, so an ordinary message that merely
 * mentions "undeliverable" is not taken for a bounce.
 */
export function detectBounce(raw: Buffer, mime: SkeletonPart[], message: NormalizedMessage): BounceFinding | null {
  const top = mime[0];
  const reportType = top?.contentType === 'multipart/report' ? (top.params['report-type'] ?? '').toLowerCase() : '';
  const feedbackPart = mime.find((p) => p.contentType === 'message/feedback-report');
  if (reportType === 'feedback-report' || feedbackPart) {
    const fields = feedbackPart
      ? readFields(decodeBytes(partBody(raw, feedbackPart), 'utf-8'))
      : new Map<string, string[]>();
    return {
      kind: 'feedback',
      signals: ['arf_report'],
      recipients: [],
      originalMessageId: originalMessageId(raw, mime, message),
      feedbackType: (fields.get('feedback-type')?.[0] ?? 'other').toLowerCase(),
    };
  }

  const dsnPart = mime.find(
    (p) => p.contentType === 'message/delivery-status' || p.contentType === 'message/global-delivery-status',
  );
  if (dsnPart) {
    const recipients = parseDeliveryStatus(decodeBytes(partBody(raw, dsnPart), 'utf-8'), message.text);
    if (recipients.length > 0) {
      return {
        kind: 'bounce',
        signals: [reportType === 'delivery-status' ? 'dsn_report' : 'delivery_status_part'],
        recipients,
        originalMessageId: originalMessageId(raw, mime, message),
        feedbackType: null,
      };
    }
  }

  const fromAddress = message.from?.address ?? '';
  const signals: string[] = [];
  if (DAEMON_SENDER.test(fromAddress) || DAEMON_NAME.test(message.from?.name ?? '')) signals.push('daemon_sender');
  if (BOUNCE_SUBJECT.test(message.subject)) signals.push('bounce_subject');
  if (reportType === 'delivery-status') signals.push('dsn_report');
  if (signals.length === 0) return null;
  const text = humanPart(message.text || stripTags(message.html ?? ''));
  const recipients = recipientsFromText(text, fromAddress);
  if (recipients.length === 0) {
    // A daemon sender with a bounce subject is a bounce even when no address could be read.
    if (!(signals.includes('daemon_sender') && signals.includes('bounce_subject'))) return null;
  }
  return {
    kind: 'bounce',
    signals,
    recipients,
    originalMessageId: originalMessageId(raw, mime, message),
    feedbackType: null,
  };
}

/** `Name: value` blocks separated by blank lines (the delivery-status body format). */
function readBlocks(text: string): Array<Map<string, string[]>> {
  return text
    .replace(/\r/g, '')
    .split(/\n\s*\n/)
    .map(readFields)
    .filter((b) => b.size > 0);
}

function readFields(block: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  let last: string | null = null;
  for (const line of block.replace(/\r/g, '').split('\n')) {
    if (/^\s/.test(line) && last) {
      const list = fields.get(last)!;
      list[list.length - 1] += ' ' + line.trim();
      continue;
    }
    const m = /^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    last = m[1].toLowerCase();
    const list = fields.get(last) ?? [];
    list.push(m[2].trim());
    fields.set(last, list);
  }
  return fields;
}

function parseDeliveryStatus(body: string, humanText: string): BounceRecipient[] {
  const out: BounceRecipient[] = [];
  for (const block of readBlocks(body)) {
    const recipientField = block.get('final-recipient')?.[0] ?? block.get('original-recipient')?.[0];
    if (!recipientField) continue;
    const address = addressFromTyped(recipientField);
    if (!address) continue;
    const action = (block.get('action')?.[0] ?? '').toLowerCase();
    const status = findStatusCode(block.get('status')?.[0] ?? '');
    const diagnostic = block.get('diagnostic-code')?.[0]?.replace(/^[a-z-]+;\s*/i, '') ?? '';
    if (/^(delivered|relayed|expanded)/.test(action)) {
      out.push({ address, status, permanent: false, reason: 'delivered' });
      continue;
    }
    const permanent = action.startsWith('delayed') ? false : isPermanent(status, diagnostic);
    // The per-recipient diagnostic is the best evidence; the human-readable part helps when it is empty.
    const reasonText = diagnostic || humanPart(humanText);
    const reason = action.startsWith('delayed') && !diagnostic ? 'expired' : bounceReason(status, reasonText);
    out.push({ address, status, permanent, reason });
  }
  return dedupe(out);
}

function addressFromTyped(value: string): string | null {
  const v = value
    .replace(/^[a-z0-9-]+\s*;\s*/i, '')
    .replace(/[<>"]/g, '')
    .trim();
  const m = /[^\s@;:,]+@[^\s@;:,]+\.[^\s@;:,]+/.exec(v);
  return m ? m[0].toLowerCase().replace(/\.$/, '') : null;
}

const ADDRESS = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/;

/**
 * Failed recipients in a free-text bounce: the patterns of the common MTAs, each anchored on the
 * shape of the line (qmail `<addr>:`, Exim's indented address list, Sendmail `addr... User unknown`,
 * `RCPT TO:<addr>`, Exchange/Notes `addr` on a line after "delivery has failed to these
 * recipients"), never any address anywhere.
 */
function recipientsFromText(text: string, bounceSender: string): BounceRecipient[] {
  const found: Array<{ address: string; context: string }> = [];
  const lines = text.replace(/\r/g, '').split('\n');
  const at = (i: number): string => lines.slice(i, i + 4).join(' ');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const t = line.trim();
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^<(${ADDRESS.source})>:?`).exec(t))) found.push({ address: m[1], context: at(i) });
    else if (
      (m = new RegExp(
        `(?:RCPT TO|Original-Recipient|Final-Recipient)\\s*:\\s*(?:rfc822;\\s*)?<?(${ADDRESS.source})`,
        'i',
      ).exec(t))
    )
      found.push({ address: m[1], context: at(i) });
    else if ((m = new RegExp(`^<?(${ADDRESS.source})>?\\.\\.\\.\\s*\\S`).exec(t)))
      found.push({ address: m[1], context: t });
    else if (
      (m = new RegExp(`^(?:"[^"]*"\\s*)?<?(${ADDRESS.source})>?(?:\\s*\\(.*\\))?:?$`).exec(t)) &&
      /^\s/.test(line)
    )
      found.push({ address: m[1], context: at(i) });
    else if (
      (m = new RegExp(`^(?:"[^"]*"\\s*)?<?(${ADDRESS.source})>?:?$`).exec(t)) &&
      /fail|recipient|could not|undeliver|address|delivered|error/i.test(lines.slice(Math.max(0, i - 4), i).join(' '))
    )
      found.push({ address: m[1], context: at(i) });
    else if (
      (m = new RegExp(`(?:to|for|recipient|address|user|mailbox)\\s*:?\\s*<(${ADDRESS.source})>`, 'i').exec(t)) &&
      /fail|unknown|not|reject|invalid|error|undeliver/i.test(t)
    )
      found.push({ address: m[1], context: at(i) });
  }
  const sender = bounceSender.toLowerCase();
  const out: BounceRecipient[] = [];
  for (const f of found) {
    const address = f.address.toLowerCase().replace(/\.$/, '');
    if (address === sender || DAEMON_SENDER.test(address)) continue;
    const status = findStatusCode(f.context) ?? findStatusCode(text);
    out.push({
      address,
      status,
      permanent: isPermanent(status, text),
      reason: bounceReason(status, `${f.context} ${text}`),
    });
  }
  return dedupe(out);
}

function dedupe(list: BounceRecipient[]): BounceRecipient[] {
  const seen = new Set<string>();
  return list.filter((r) => (seen.has(r.address) ? false : (seen.add(r.address), true)));
}

/** The explanatory part of a bounce, without the returned original message. */
function humanPart(text: string): string {
  const cut = text.search(
    /^(?:-{2,}.*(?:original message|returned message|undelivered message|message headers|copy of (?:the|your) message|original headers|rfc822)|\s*Received: from |Return-Path: <)/im,
  );
  return (cut > 0 ? text.slice(0, cut) : text).slice(0, 20000);
}

function stripTags(html: string): string {
  return html.replace(/<br\s*\/?>|<\/p>|<\/div>|<\/tr>/gi, '\n').replace(/<[^>]*>/g, ' ');
}

/** The Message-ID of the message that bounced: returned headers first, quoted text second. */
function originalMessageId(raw: Buffer, mime: SkeletonPart[], message: NormalizedMessage): string | null {
  for (let i = 1; i < mime.length; i++) {
    const p = mime[i];
    if (p.contentType === 'text/rfc822-headers' || p.contentType === 'message/rfc822-headers') {
      const id = readFields(decodeBytes(partBody(raw, p), 'utf-8')).get('message-id')?.[0];
      if (id) return normalizeId(id);
    }
    const prev = mime[i - 1];
    if (prev.contentType === 'message/rfc822' || prev.contentType === 'message/global') {
      const id = p.headers.get('message-id')?.[0];
      if (id) return normalizeId(id);
    }
  }
  const quoted = /^\s*Message-ID:\s*(<[^<>\s]+>)/im.exec(message.text.slice(0, 200000));
  if (quoted && quoted[1] !== message.messageId) return quoted[1];
  return null;
}

function normalizeId(id: string): string {
  const m = /<[^<>\s]+>/.exec(id);
  return m ? m[0] : `<${id.trim()}>`;
}
