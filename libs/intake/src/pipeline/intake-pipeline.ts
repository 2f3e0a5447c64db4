import { AppConfig } from '@app/config';
import type { InboundMessageEntity } from '@app/database';
import { ReplyTokens } from '@app/mail';
import { Injectable } from '@nestjs/common';
import { QuarantineError } from '../intake.error';
import { ClassifyFilter } from './filters/classify.filter';
import { IdentifySenderFilter } from './filters/identify-sender.filter';
import { LoopGuardFilter } from './filters/loop-guard.filter';
import { NormalizeAttachmentsFilter } from './filters/normalize-attachments.filter';
import { ParseEmailFilter } from './filters/parse-email.filter';
import { ParseFormFilter } from './filters/parse-form.filter';
import { SanitizeHtmlFilter } from './filters/sanitize-html.filter';
import { SplitQuotesFilter } from './filters/split-quotes.filter';
import { ThreadFilter } from './filters/thread.filter';
import { UuencodedFilter } from './filters/uuencoded.filter';
import { createContext, type IntakeContext } from './intake-context';
import type { RawGap } from './mime/compact-raw';
import type { IntakeFilter } from './intake-filter';
import { DEFAULT_MAIL_LIMITS, type MailLimits } from './mime/mime-skeleton';
import { sharedParserPool, type ParserPool } from './mime/parser-pool';
import { DbThreadStore } from './thread/db-thread-store';
import { MailboxOwnAddresses } from './classify/mailbox-own-addresses';
import type { OwnAddresses } from './classify/own-addresses';
import type { ThreadStore } from './thread/thread-store';

export interface PipelineDeps {
  limits?: MailLimits;
  pool?: ParserPool;
  /** Null: no reply tokens (inspect without a secret) — loops by Message-ID and tokens are not seen. */
  tokens: ReplyTokens | null;
  store: ThreadStore;
  /** Every mailbox's address (MAIL_FROM is in `tokens`); none for `mail inspect` without a database. */
  ownAddresses?: OwnAddresses | null;
}

/**
 * The filters in the order they run. Each is small, has one `run()`, and its own spec beside it.
 * parse → uuencoded files out of the text → classify (loop, bounce, auto-reply, bulk) → identify sender (From, never Reply-To) → thread →
 * loop guard (our own mail threading nowhere is quarantined, never a ticket) →
 * normalise attachments (before sanitising, so `cid:` images of unsafe types are dropped) →
 * sanitise HTML → split quoted history for display.
 */
export function buildPipelineFilters(deps: PipelineDeps): IntakeFilter[] {
  return [
    new ParseFormFilter(),
    new ParseEmailFilter(deps.limits ?? DEFAULT_MAIL_LIMITS, deps.pool ?? sharedParserPool()),
    new UuencodedFilter(),
    new ClassifyFilter(deps.tokens, deps.ownAddresses ?? null),
    new IdentifySenderFilter(),
    new ThreadFilter(deps.store, deps.tokens),
    new LoopGuardFilter(),
    new NormalizeAttachmentsFilter(),
    new SanitizeHtmlFilter(),
    new SplitQuotesFilter(),
  ];
}

/** Runs filters in order; a QuarantineError stops the run and records its reason code. */
export async function runFilters(filters: IntakeFilter[], ctx: IntakeContext): Promise<IntakeContext> {
  for (const filter of filters) {
    try {
      await filter.run(ctx);
    } catch (error) {
      if (error instanceof QuarantineError) {
        ctx.quarantineReason = error.reason;
        ctx.notes.push({ filter: filter.name, note: error.reason });
        return ctx;
      }
      throw error;
    }
  }
  return ctx;
}

export function mailLimitsFrom(config: AppConfig): MailLimits {
  const v = config.values;
  return {
    maxBytes: v.MAIL_MAX_BYTES,
    maxParts: v.MAIL_MAX_PARTS,
    maxDepth: v.MAIL_MAX_DEPTH,
    maxHeaderBytes: v.MAIL_MAX_HEADER_BYTES,
    parseTimeoutMs: v.MAIL_PARSE_TIMEOUT_MS,
  };
}

export function replyTokensFrom(config: AppConfig): ReplyTokens {
  return new ReplyTokens(config.values.APP_SECRET, config.values.MAIL_FROM);
}

/** Runs the filters; decides, but writes nothing (so `mail inspect` can use it too). */
@Injectable()
export class IntakePipeline {
  private readonly filters: IntakeFilter[];

  constructor(config: AppConfig, store: DbThreadStore, ownAddresses: MailboxOwnAddresses) {
    this.filters = buildPipelineFilters({
      limits: mailLimitsFrom(config),
      tokens: replyTokensFrom(config),
      store,
      ownAddresses,
    });
  }

  /**
   * Runs the filters on a staging row and its raw bytes (still in the row until the commit), read
   * whole or compacted (`gaps`, mime/compact-raw.ts; may throw WholeRawNeeded).
   */
  async run(inbound: InboundMessageEntity, raw: Buffer, gaps: RawGap[] = []): Promise<IntakeContext> {
    return runFilters(this.filters, createContext(inbound, raw, true, gaps));
  }
}
