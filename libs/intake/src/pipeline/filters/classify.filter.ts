import type { ReplyTokens } from '@app/mail';
import { detectAutoReply } from '../classify/detect-auto-reply';
import { detectBounce } from '../classify/detect-bounce';
import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

/**
 * Decides what kind of message this is, in the order that avoids mistakes: our own outbound coming
 * back (loop: our Message-ID, our address as sender, or our address in X-Loop) first, then delivery
 * reports (bounce/feedback; they also carry auto-reply headers), then automatic replies, then
 * bulk/list mail. Everything else is `normal`. Web-form submissions are always normal. `bulk` is a
 * customer's message like `normal` (it reopens a solved ticket) that gets no acknowledgement.
 */
export class ClassifyFilter implements IntakeFilter {
  readonly name = 'classify';

  constructor(private readonly tokens: ReplyTokens | null) {}

  run(ctx: IntakeContext): void {
    const message = ctx.message;
    if (!message || ctx.form) return;
    const headers = ctx.mime[0]?.headers ?? new Map<string, string[]>();
    const detail = ctx.classificationDetail;

    const ourLoop = (headers.get('x-loop') ?? []).some((v) =>
      this.tokens?.isOurAddress(/[^\s<>]+@[^\s<>]+/.exec(v)?.[0]),
    );
    if (
      this.tokens &&
      (this.tokens.isOurMessageId(message.messageId) || this.tokens.isOurAddress(message.from?.address) || ourLoop)
    ) {
      ctx.classification = 'loop';
      detail.signals.push(
        this.tokens.isOurMessageId(message.messageId) ? 'our_message_id' : ourLoop ? 'our_x_loop' : 'our_sender',
      );
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
    if (signals.autoReply.length > 0) {
      ctx.classification = 'auto_reply';
      detail.signals.push(...signals.autoReply, ...signals.bulk);
    } else if (signals.bulk.length > 0) {
      ctx.classification = 'bulk';
      detail.signals.push(...signals.bulk);
    }
  }
}
