import { Injectable } from '@nestjs/common';
import { createContext, type IntakeContext } from './intake-context';
import type { IntakeFilter } from './intake-filter';
import { IdentifySenderFilter } from './filters/identify-sender.filter';
import { ParseEmailFilter } from './filters/parse-email.filter';
import { ParseFormFilter } from './filters/parse-form.filter';
import { SanitizeHtmlFilter } from './filters/sanitize-html.filter';
import { ThreadByHeadersFilter } from './filters/thread-by-headers.filter';
import type { InboundMessageEntity } from '@app/database';
import { QuarantineError } from '../intake.error';

/** Filter classes in the order they run. */
export const PIPELINE_FILTERS = [
  ParseFormFilter,
  ParseEmailFilter,
  IdentifySenderFilter,
  ThreadByHeadersFilter,
  SanitizeHtmlFilter,
] as const;

/** Runs the filters in order; decides, but writes nothing (so `mail inspect` can use it too). */
@Injectable()
export class IntakePipeline {
  private readonly filters: IntakeFilter[];

  constructor(
    parseForm: ParseFormFilter,
    parseEmail: ParseEmailFilter,
    identifySender: IdentifySenderFilter,
    threadByHeaders: ThreadByHeadersFilter,
    sanitizeHtml: SanitizeHtmlFilter,
  ) {
    this.filters = [parseForm, parseEmail, identifySender, threadByHeaders, sanitizeHtml];
  }

  async run(inbound: InboundMessageEntity, raw: Buffer): Promise<IntakeContext> {
    const ctx = createContext(inbound, raw);
    for (const filter of this.filters) {
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
}
