import { InboundKind } from '@app/database';
import { decodeFormPayload } from '../../form/form-payload';
import { QuarantineError } from '../../intake.error';
import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

/** Turns a stored web-form payload into the normalised message shape. */
export class ParseFormFilter implements IntakeFilter {
  readonly name = 'parse-form';

  run(ctx: IntakeContext): void {
    if (ctx.inbound.kind !== InboundKind.Form) return;
    let form;
    try {
      form = decodeFormPayload(ctx.raw);
    } catch {
      throw new QuarantineError('form_payload_unreadable');
    }
    ctx.form = form;
    // A portal reply names its ticket: the portal checked it belongs to the signed-in customer.
    if (form.portal?.ticketId) ctx.thread = { ticketId: form.portal.ticketId, reason: 'portal' };
    ctx.message = {
      from: { address: form.email.toLowerCase(), name: form.name },
      replyTo: [],
      to: [],
      cc: [],
      subject: form.subject,
      text: form.message,
      html: null,
      messageId: null,
      inReplyTo: null,
      references: [],
      date: new Date(form.submittedAt),
      headers: new Map(),
      attachments: form.attachments.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        content: Buffer.from(a.contentBase64, 'base64'),
        contentId: null,
        inline: false,
      })),
    };
  }
}
