import { InboundKind } from '@app/database';
import iconv from 'iconv-lite';
import type { AddressObject } from 'mailparser';
import addressparser from 'nodemailer/lib/addressparser';
import { decodeHeaderValue, isUtf7 } from '../mime/charset';
import { CharsetJudge } from '../mime/charset-judge';
import { messageJudge, relabelMislabelledText, repairFilename } from '../mime/charset-repair';
import { DEFAULT_MAIL_LIMITS, scanMime, type MailLimits, type SkeletonPart } from '../mime/mime-skeleton';
import { sharedParserPool, type ParsedInWorker, type ParserPool } from '../mime/parser-pool';
import { originalOffset, WholeRawNeeded, type RawGap } from '../mime/compact-raw';
import { base64Head, findStageableParts, withStagedPartsCut, type StagedPart } from '../mime/staged-parts';
import type { Address, IntakeContext, NormalizedMessage } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

/**
 * Parses RFC 5322 bytes into the normalised message shape, within bounds:
 * 1. a cheap pre-scan of the raw bytes (size, part count, depth, header length → `limit_*`);
 * 2. mailparser in a worker thread with a wall-clock budget (`parse_timeout`, see ParserPool);
 * 3. charset repairs mailparser does not do: body text parts whose declared charset cannot be
 *    right (or is missing) are relabelled before parsing; raw 8-bit headers, encoded words with a
 *    wrong label, 8-bit file names and UTF-7 are read by the message's CharsetJudge.
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
    const judge = messageJudge(ctx.raw, ctx.mime);
    const { raw, relabelled } = relabelMislabelledText(ctx.raw, ctx.mime, judge);
    for (const r of relabelled)
      ctx.notes.push({
        filter: this.name,
        note: `part ${r.part} declared ${r.declared ?? 'no charset'}, read as ${r.charset}`,
      });
    const parsed = await this.parse(ctx, raw, relabelled.length === 0);
    const notes: string[] = [];
    ctx.message = normalize(parsed, ctx.mime, judge, notes);
    for (const note of notes) ctx.notes.push({ filter: this.name, note });
  }

  /**
   * mailparser on the message, its large base64 attachments cut out when their bytes can be left
   * in the staging row (mime/staged-parts.ts). Should mailparser not return each cut part as an
   * attachment of its own, the whole message is parsed as it is. A message read compacted
   * (ctx.rawGaps) whose gaps are not all inside parts left in the staging row is read whole first.
   */
  private async parse(ctx: IntakeContext, raw: Buffer, unchanged: boolean): Promise<ParsedInWorker> {
    const stageable = ctx.rawInStagingRow && unchanged ? findStageableParts(ctx.raw, ctx.mime, ctx.rawGaps) : [];
    const gapsCovered = ctx.rawGaps.every((g) => stageable.some((p) => p.bodyStart < g.at && g.at < p.bodyEnd));
    if (!gapsCovered) throw new WholeRawNeeded();
    if (stageable.length > 0) {
      const cut = withStagedPartsCut(ctx.raw, stageable);
      const parsed = await this.pool.parse(cut.raw, this.limits.parseTimeoutMs);
      if (restoreStagedParts(parsed, cut.staged, ctx.raw, ctx.rawGaps)) {
        ctx.notes.push({ filter: this.name, note: `${cut.staged.length} large part(s) left in the staging row` });
        return parsed;
      }
      if (ctx.rawGaps.length > 0) throw new WholeRawNeeded();
      ctx.notes.push({ filter: this.name, note: 'large parts not found as attachments; parsed whole' });
    }
    return this.pool.parse(raw, this.limits.parseTimeoutMs);
  }
}

/**
 * Puts each staged part in the place of the attachment that carries its marker: its first bytes,
 * and where its whole base64 text is. False when a marker is not exactly one attachment's bytes.
 */
function restoreStagedParts(parsed: ParsedInWorker, staged: StagedPart[], raw: Buffer, gaps: RawGap[]): boolean {
  const found = staged.map((s) => parsed.attachments.filter((a) => s.marker.equals(a.content)));
  if (found.some((list) => list.length !== 1)) return false;
  for (const [i, s] of staged.entries()) {
    const attachment = found[i][0];
    attachment.content = base64Head(raw, s.start, s.end);
    attachment.staged = { start: originalOffset(gaps, s.start), end: originalOffset(gaps, s.end) };
  }
  return true;
}

export function normalize(
  parsed: ParsedInWorker,
  mime: SkeletonPart[],
  judge: CharsetJudge = new CharsetJudge(mime.map((p) => p.params.charset)),
  /** Receives short, non-personal notes on repairs made (for `mail inspect`). */
  notes: string[] = [],
): NormalizedMessage {
  const top = mime[0];
  const textParts = mime.filter((p) => p.contentType === 'text/plain' && !isAttachmentPart(p));
  const htmlParts = mime.filter((p) => p.contentType === 'text/html' && !isAttachmentPart(p));

  const headers = new Map<string, string[]>();
  for (const line of parsed.headerLines) {
    const list = headers.get(line.key) ?? [];
    list.push(line.line.slice(line.line.indexOf(':') + 1).trim());
    headers.set(line.key, list);
  }

  // Header repairs: only when mailparser could not have got it right.
  const rawHeader = (name: string): string | undefined => top?.headers.get(name)?.[0];
  // Raw 8-bit bytes, and encoded words in any charset but UTF-8 and ASCII (mailparser trusts
  // their label; the judge checks it, and decodes UTF-7, which mailparser refuses).
  const needsRepair = (raw: string | undefined): raw is string =>
    // eslint-disable-next-line no-control-regex
    !!raw && (/[^\x00-\x7f]/.test(raw) || /=\?(?!(?:utf-?8|us-ascii)[?*])[^?\s]+\?[bq]\?/i.test(raw));
  const repairedAddresses = (name: string, fallback: Address[]): Address[] => {
    const raw = rawHeader(name);
    return needsRepair(raw) ? parseAddressList(decodeHeaderValue(raw, judge)) : fallback;
  };

  /**
   * The From address. Of several From headers the first readable one counts (a broken mailer
   * may put an unreadable one first); an RFC 822 comment after a bare local part
   * (`MAILER-DAEMON (Mail Delivery System)`) is the display name.
   */
  const sender = (raws: string[], parsedFrom: Address | null): Address | null => {
    if (raws.length <= 1) return parsedFrom ?? (raws[0] ? commentForm(decodeHeaderValue(raws[0], judge)) : null);
    const readable = raws.map((raw) => {
      const text = decodeHeaderValue(raw, judge);
      return parseAddressList(text)[0] ?? commentForm(text);
    });
    const index = readable.findIndex((a) => a !== null);
    if (index > 0) notes.push(`From header 1 of ${raws.length} is unreadable; used From header ${index + 1}`);
    return index === 0 ? (parsedFrom ?? readable[0]) : (readable[index] ?? null);
  };

  let subject = parsed.subject ?? '';
  const rawSubject = rawHeader('subject');
  if (needsRepair(rawSubject)) subject = decodeHeaderValue(rawSubject, judge).replace(/\s+/g, ' ').trim();

  let text = parsed.text ?? '';
  if (textParts.length > 0 && textParts.every((p) => isUtf7(p.params.charset))) text = fromUtf7(text);
  let html = typeof parsed.html === 'string' ? parsed.html : null;
  if (html && htmlParts.length > 0 && htmlParts.every((p) => isUtf7(p.params.charset))) html = fromUtf7(html);

  return {
    from: sender(top?.headers.get('from') ?? [], repairedAddresses('from', addresses(parsed.from))[0] ?? null),
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
      filename: repairFilename(a.filename ?? '', judge),
      contentType: a.contentType,
      content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength),
      contentId: a.contentId ?? null,
      inline: a.contentDisposition === 'inline' || (a.related && !!a.contentId),
      ...(a.staged ? { staged: a.staged } : {}),
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

/** `local-part (Comment)`: an RFC 822 address without a domain, the comment taken as the name. */
function commentForm(value: string): Address | null {
  const m = /^\s*([^\s()<>,;:"@]+(?:@[^\s()<>,;:"@]+)?)\s*\(([^()]*)\)\s*$/.exec(value);
  return m?.[1] ? { address: m[1].toLowerCase(), name: m[2]?.trim() || null } : null;
}
