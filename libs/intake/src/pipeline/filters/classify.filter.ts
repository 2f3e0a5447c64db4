import type { ReplyTokens } from '@app/mail';
import { detectAutoReply } from '../classify/detect-auto-reply';
import { detectBounce } from '../classify/detect-bounce';
import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';
import type { OwnAddresses } from '../classify/own-addresses';

/**
 * Decides what kind of message this is, in the order that avoids mistakes: our own outbound coming
 * back (loop: our Message-ID, our address — MAIL_FROM or any mailbox's — as sender, or in X-Loop,
 * or a reply/report about one of our agent notifications) first, then delivery
 * reports (bounce/feedback; they also carry auto-reply headers), then automatic replies, then
 * bulk/list mail. Everything else is `normal`. Web-form submissions are always normal. `bulk` is a
 * customer's message like `normal` (it reopens a solved ticket) that gets no acknowledgement.
 */
export class ClassifyFilter implements IntakeFilter {
  readonly name = 'classify';

  constructor(
    private readonly tokens: ReplyTokens | null,
    private readonly own: OwnAddresses | null = null,
  ) {}

  async run(ctx: IntakeContext): Promise<void> {
    const message = ctx.message;
    if (!message || ctx.form) return;
    const headers = ctx.mime[0]?.headers ?? new Map<string, string[]>();
    const detail = ctx.classificationDetail;

    const loopAddresses = (headers.get('x-loop') ?? []).map((v) => /[^\s<>]+@[^\s<>]+/.exec(v)?.[0]);
    const isOwn = async (address: string | null | undefined): Promise<boolean> =>
      !!this.tokens?.isOurAddress(address) || ((await this.own?.isOwn(address)) ?? false);
    let ourLoop = false;
    for (const address of loopAddresses) ourLoop ||= await isOwn(address);
    const ourId = !!this.tokens?.isOurMessageId(message.messageId);
    if (ourId || ourLoop || (await isOwn(message.from?.address))) {
      ctx.classification = 'loop';
      detail.signals.push(ourId ? 'our_message_id' : ourLoop ? 'our_x_loop' : 'our_sender');
      return;
    }

    this.classifyReports(ctx, headers);
    // A bounce of, or an answer to, one of our agent notifications: never a ticket, never a
    // notification about itself.
    const ids = [detail.bounce?.originalMessageId, message.inReplyTo, ...message.references];
    if (this.tokens && ids.some((id) => this.tokens!.isNotificationMessageId(id))) {
      ctx.classification = 'loop';
      detail.signals.push('our_notification');
    }
  }

  private classifyReports(ctx: IntakeContext, headers: Map<string, string[]>): void {
    const message = ctx.message!;
    const detail = ctx.classificationDetail;

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
