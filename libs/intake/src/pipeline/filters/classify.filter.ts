import type { ReplyTokens } from '@app/mail';
import { detectAutoReply } from '../classify/detect-auto-reply';
import { detectBounce } from '../classify/detect-bounce';
import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

/**
 * Decides what kind of message this is, in the order that avoids mistakes: our own outbound coming
 * back (loop) first, then delivery reports (bounce/feedback; they also carry auto-reply headers),
 * then auto-replies. Everything else is `normal`. Web-form submissions are always normal.
 */
export class ClassifyFilter implements IntakeFilter {
  readonly name = 'classify';

  constructor(private readonly tokens: ReplyTokens | null) {}

  run(ctx: IntakeContext): void {
    const message = ctx.message;
    if (!message || ctx.form) return;
    const headers = ctx.mime[0]?.headers ?? new Map<string, string[]>();
    const detail = ctx.classificationDetail;

    if (
      this.tokens &&
      (this.tokens.isOurMessageId(message.messageId) || this.tokens.isOurAddress(message.from?.address))
    ) {
      ctx.classification = 'loop';
      detail.signals.push(this.tokens.isOurMessageId(message.messageId) ? 'our_message_id' : 'our_sender');
      return;
    }

    const bounce = detectBounce(ctx.raw, ctx.mime, message);
    if (bounce) {
      ctx.classification = bounce.kind;
      detail.signals.push(...bounce.signals);
      detail.feedbackType = bounce.feedbackType;
      detail.bounce = {
        recipients: bounce.recipients,
        originalMessageId: bounce.originalMessageId,
        permanent: bounce.recipients.length > 0 && bounce.recipients.every((r) => r.permanent),
      };
      return;
    }

    const signals = detectAutoReply(headers, message.subject);
    if (signals.length > 0) {
      ctx.classification = 'auto_reply';
      detail.signals.push(...signals);
    }
  }
}
