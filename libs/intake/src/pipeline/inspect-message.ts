import { createHash } from 'node:crypto';
import { InboundKind, InboundStatus, type InboundMessageEntity } from '@app/database';
import type { ReplyTokens } from '@app/mail';
import {
  createContext,
  type Address,
  type ClassificationDetail,
  type Classification,
  type ThreadDecision,
} from './intake-context';
import type { OwnAddresses } from './classify/own-addresses';
import { buildPipelineFilters, runFilters } from './intake-pipeline';
import type { MailLimits } from './mime/mime-skeleton';
import type { ParserPool } from './mime/parser-pool';
import { EMPTY_THREAD_STORE, type ThreadStore } from './thread/thread-store';

export interface InspectionResult {
  from: Address | null;
  to: Address[];
  cc: Address[];
  replyTo: Address[];
  subject: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  date: string | null;
  text: string | null;
  visibleText: string | null;
  quotedText: string | null;
  signature: string | null;
  sanitizedHtml: string | null;
  blockedImages: number;
  attachments: Array<{
    filename: string;
    contentType: string;
    declaredContentType: string | null;
    size: number;
    sha256: string;
    md5: string;
    contentId: string | null;
    inline: boolean;
    neverInline: boolean;
  }>;
  classification: Classification;
  classificationDetail: ClassificationDetail;
  thread: ThreadDecision;
  /** Set when the message would be quarantined (limit hit, parse failure, no sender). */
  quarantineReason: string | null;
  /** What the filters noted (charsets read other than declared, an unreadable From skipped, …). */
  notes: Array<{ filter: string; note: string }>;
}

/**
 * raw bytes → what the pipeline would decide, without writing anything. `mail inspect` passes the
 * database-backed thread store; the conformance run passes none (every message is "new").
 */
export async function inspectMessage(
  raw: Buffer,
  options: {
    tokens?: ReplyTokens | null;
    store?: ThreadStore;
    limits?: MailLimits;
    pool?: ParserPool;
    /** The mailboxes' own addresses (loop detection); none without a database. */
    ownAddresses?: OwnAddresses | null;
  } = {},
): Promise<InspectionResult> {
  const filters = buildPipelineFilters({
    tokens: options.tokens ?? null,
    store: options.store ?? EMPTY_THREAD_STORE,
    limits: options.limits,
    pool: options.pool,
    ownAddresses: options.ownAddresses ?? null,
  });
  const ctx = await runFilters(filters, createContext(detachedInbound(), raw));
  const m = ctx.message;
  return {
    from: m?.from ?? null,
    to: m?.to ?? [],
    cc: m?.cc ?? [],
    replyTo: m?.replyTo ?? [],
    subject: m?.subject ?? null,
    messageId: m?.messageId ?? null,
    inReplyTo: m?.inReplyTo ?? null,
    references: m?.references ?? [],
    date: m?.date?.toISOString() ?? null,
    text: m?.text ?? null,
    visibleText: ctx.visibleText,
    quotedText: ctx.quotedText,
    signature: ctx.signature,
    sanitizedHtml: ctx.sanitizedHtml,
    blockedImages: ctx.blockedImages,
    attachments: (m?.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      declaredContentType: a.declaredContentType ?? null,
      size: a.content.length,
      sha256: createHash('sha256').update(a.content).digest('hex'),
      md5: createHash('md5').update(a.content).digest('hex'),
      contentId: a.contentId,
      inline: a.inline,
      neverInline: a.neverInline ?? false,
    })),
    classification: ctx.classification,
    classificationDetail: ctx.classificationDetail,
    thread: ctx.thread,
    quarantineReason: ctx.quarantineReason,
    notes: ctx.notes,
  };
}

/** The first message of an mbox file (or the file itself when it is a plain .eml). */
export function firstMessageOf(file: Buffer): Buffer {
  if (!file.subarray(0, 5).equals(Buffer.from('From '))) return file;
  const s = file.toString('latin1');
  const start = s.indexOf('\n') + 1;
  const next = s.indexOf('\nFrom ', start);
  const body = s.slice(start, next < 0 ? s.length : next + 1);
  // mboxrd: ">From " at a line start was escaped when the message was stored.
  return Buffer.from(body.replace(/^>(>*From )/gm, '$1'), 'latin1');
}

/** A staging row that exists only in memory: the pipeline needs one, inspect writes none. */
export function detachedInbound(kind: InboundKind = InboundKind.Email): InboundMessageEntity {
  return {
    id: '00000000-0000-4000-8000-000000000000',
    kind,
    status: InboundStatus.Processing,
    raw: null,
    size: 0,
    sha256: '0'.repeat(64),
    reason: null,
    attempts: 0,
    mailboxId: null,
    uidValidity: null,
    uid: null,
    messageIdHeader: null,
    reservedTicketNumber: null,
    ticketId: null,
    messageRowId: null,
    processedAt: null,
    settledAt: null,
    quarantinedAt: null,
    createdAt: new Date(0),
  };
}
