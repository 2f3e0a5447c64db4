import { InboundKind } from '@app/database';
import iconv from 'iconv-lite';
import type { AddressObject } from 'mailparser';
import addressparser from 'nodemailer/lib/addressparser';
import { decodeHeaderValue, isUtf7 } from '../mime/charset';
import { DEFAULT_MAIL_LIMITS, scanMime, type MailLimits, type SkeletonPart } from '../mime/mime-skeleton';
import { sharedParserPool, type ParsedInWorker, type ParserPool } from '../mime/parser-pool';
import type { Address, IntakeContext, NormalizedMessage } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

/**
 * Parses RFC 5322 bytes into the normalised message shape, within bounds:
 * 1. a cheap pre-scan of the raw bytes (size, part count, depth, header length → `limit_*`);
 * 2. mailparser in a worker thread with a wall-clock budget (`parse_timeout`, see ParserPool);
 * 3. charset repairs mailparser does not do: UTF-7 bodies and encoded words, raw 8-bit headers
 *    (sniffed as UTF-8 first, then read in the message's declared charset).
 */
export class ParseEmailFilter implements IntakeFilter {
  readonly name = 'parse-email';

  constructor(
    private readonly limits: MailLimits = DEFAULT_MAIL_LIMITS,
    private readonly pool: ParserPool = sharedParserPool(),
  ) {}

  async run(ctx: IntakeContext): Promise<void> {
    if (ctx.inbound.kind !== InboundKind.Email) return;
    ctx.mime = scanMime(ctx.raw, this.limits);
    const parsed = await this.pool.parse(ctx.raw, this.limits.parseTimeoutMs);
    ctx.message = normalize(parsed, ctx.mime);
  }
}

export function normalize(parsed: ParsedInWorker, mime: SkeletonPart[]): NormalizedMessage {
  const top = mime[0];
  const textParts = mime.filter((p) => p.contentType === 'text/plain' && !isAttachmentPart(p));
  const htmlParts = mime.filter((p) => p.contentType === 'text/html' && !isAttachmentPart(p));
  const bodyCharset = (textParts[0] ?? htmlParts[0])?.params.charset ?? top?.params.charset;

  const headers = new Map<string, string[]>();
  for (const line of parsed.headerLines) {
    const list = headers.get(line.key) ?? [];
    list.push(line.line.slice(line.line.indexOf(':') + 1).trim());
    headers.set(line.key, list);
  }

  // Header repairs: only when mailparser could not have got it right.
  const rawHeader = (name: string): string | undefined => top?.headers.get(name)?.[0];
  const needsRepair = (raw: string | undefined): raw is string =>
    // eslint-disable-next-line no-control-regex
    !!raw && (/[^\x00-\x7f]/.test(raw) || /=\?(?:(?:cs)?unicode-1-1-)?utf-?7\?/i.test(raw));
  const repairedAddresses = (name: string, fallback: Address[]): Address[] => {
    const raw = rawHeader(name);
    return needsRepair(raw) ? parseAddressList(decodeHeaderValue(raw, bodyCharset)) : fallback;
  };

  let subject = parsed.subject ?? '';
  const rawSubject = rawHeader('subject');
  if (needsRepair(rawSubject)) subject = decodeHeaderValue(rawSubject, bodyCharset).replace(/\s+/g, ' ').trim();

  let text = parsed.text ?? '';
  if (textParts.length > 0 && textParts.every((p) => isUtf7(p.params.charset))) text = fromUtf7(text);
  let html = typeof parsed.html === 'string' ? parsed.html : null;
  if (html && htmlParts.length > 0 && htmlParts.every((p) => isUtf7(p.params.charset))) html = fromUtf7(html);

  return {
    from: repairedAddresses('from', addresses(parsed.from))[0] ?? null,
    replyTo: repairedAddresses('reply-to', addresses(parsed.replyTo)),
    to: repairedAddresses('to', addresses(parsed.to)),
    cc: repairedAddresses('cc', addresses(parsed.cc)),
    subject,
    text,
    html,
    messageId: parsed.messageId ?? null,
    inReplyTo: firstId(parsed.inReplyTo),
    references: Array.isArray(parsed.references) ? parsed.references : parsed.references ? [parsed.references] : [],
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null,
    headers,
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename ?? '',
      contentType: a.contentType,
      content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength),
      contentId: a.contentId ?? null,
      inline: a.contentDisposition === 'inline' || (a.related && !!a.contentId),
    })),
  };
}

function isAttachmentPart(p: SkeletonPart): boolean {
  return /^\s*attachment/i.test(p.headers.get('content-disposition')?.[0] ?? '');
}

function fromUtf7(value: string): string {
  return iconv.decode(Buffer.from(value, 'utf8'), 'utf7');
}

/** In-Reply-To should hold one id; some clients put several — the first is the parent. */
function firstId(value: string | undefined): string | null {
  if (!value) return null;
  const match = /<[^<>\s]+>/.exec(value);
  return match ? match[0] : value.trim() || null;
}

function addresses(value: AddressObject | AddressObject[] | undefined): Address[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((o) => flattenAddresses(o.value));
}

interface AddressLike {
  address?: string;
  name?: string;
  group?: AddressLike[];
}

function flattenAddresses(list: AddressLike[]): Address[] {
  return list.flatMap((a) =>
    a.group
      ? flattenAddresses(a.group)
      : a.address
        ? [{ address: a.address.toLowerCase(), name: a.name?.trim() || null }]
        : [],
  );
}

export function parseAddressList(value: string): Address[] {
  try {
    return flattenAddresses(addressparser(value));
  } catch {
    return [];
  }
}
