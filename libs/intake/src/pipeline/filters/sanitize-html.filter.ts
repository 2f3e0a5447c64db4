import { Injectable } from '@nestjs/common';
import sanitizeHtml from 'sanitize-html';
import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

/**
 * Keeps a safe subset of HTML: no scripts, event handlers, forms or `javascript:` URLs.
 * sanitize-html works from an allowlist, so anything unknown is dropped.
 */
@Injectable()
export class SanitizeHtmlFilter implements IntakeFilter {
  readonly name = 'sanitize-html';

  run(ctx: IntakeContext): void {
    const html = ctx.message?.html;
    ctx.sanitizedHtml = html ? sanitizeEmailHtml(html) : null;
  }
}

export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: sanitizeHtml.defaults.allowedTags.concat(['img', 'font', 'center', 'u', 's']),
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'width', 'height'],
      td: ['colspan', 'rowspan', 'align', 'valign'],
      th: ['colspan', 'rowspan', 'align', 'valign'],
      font: ['color'],
      '*': ['dir', 'lang'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'cid'],
    allowedSchemesByTag: { img: ['cid', 'data'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
  });
}
