import { sanitizeEmailHtml } from '@app/mail';
import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

// The allowlist lives in @app/mail, shared with agents' formatted replies (issue 14).
export {
  ATTACHMENT_PLACEHOLDER_SCHEME,
  resolveAttachmentPlaceholders,
  sanitizeEmailHtml,
  type SanitizedHtml,
} from '@app/mail';

/**
 * Keeps a safe subset of HTML: no scripts, event handlers, forms, styles sheets or `javascript:`
 * URLs (sanitize-html works from an allowlist, so anything unknown is dropped). Remote images are
 * blocked by default — they leak that and when the agent read the mail — and counted, with the URL
 * kept in `data-remote-src` so the UI can offer "show images".
 */
export class SanitizeHtmlFilter implements IntakeFilter {
  readonly name = 'sanitize-html';

  run(ctx: IntakeContext): void {
    const html = ctx.message?.html;
    if (!html) {
      ctx.sanitizedHtml = null;
      return;
    }
    const result = sanitizeEmailHtml(html, ctx.message?.attachments ?? []);
    ctx.sanitizedHtml = result.html;
    ctx.blockedImages = result.blockedImages;
  }
}
