import { AppConfig } from '@app/config';
import { ActorType, DeliveryStatus, MessageDirection, MessageEntity } from '@app/database';
import { HeaderInjectionError, MailSendError, MailTransport, ReplyTokens, type OutboundMail } from '@app/mail';
import { JobHandler, JobName, type JobMeta, type JobOf } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { recordHistory } from '../history';
import { withPortalLink } from './portal-link';

export type SendOutcome = 'sent' | 'already_sent' | 'skipped' | 'failed' | 'retrying';

/** Tries to record `sent` once the server accepted a mail (0.5 + 1 + 2 + 4 + 8 s apart at most). */
const MARK_SENT_TRIES = 6;

/**
 * Handles `send-message`: renders the outbound message from the database and sends it over SMTP.
 * Transient failures are retried by BullMQ (exponential backoff, QUEUE_ATTEMPTS); a permanent SMTP
 * answer (5xx) or the last attempt marks the message `failed` with a short reason code, which the
 * agent sees on the message. The reason never holds server text (it may quote addresses).
 *
 * Delivery is at least once. The row is `sending` from just before the SMTP transaction until
 * `sent` is committed right after the server's 250; if the worker dies inside that window (or the
 * database stays away for all of markSent's tries) the row stays `sending`, and the retried job or
 * the start-up re-enqueue sends it again: a rare duplicate is preferred to a reply silently lost.
 */
@Injectable()
export class SendMessageHandler {
  private readonly logger = new Logger(SendMessageHandler.name);
  private readonly tokens: ReplyTokens;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transport: MailTransport,
    private readonly config: AppConfig,
  ) {
    this.tokens = new ReplyTokens(config.values.APP_SECRET, config.values.MAIL_FROM);
  }

  @JobHandler(JobName.SendMessage)
  async handle(data: JobOf<JobName.SendMessage>, meta: JobMeta): Promise<{ outcome: SendOutcome }> {
    const repo = this.dataSource.getRepository(MessageEntity);
    if (!this.transport.configured) {
      // No SMTP_URL: the message stays queued (visible as not sent, with the reason) until a worker
      // with a transport starts and re-enqueues it (RequeueOutbound). One statement, no rendering.
      await repo.update(
        { id: data.messageId, direction: MessageDirection.Out, internal: false, deliveryStatus: DeliveryStatus.Queued },
        { deliveryError: 'smtp_not_configured' },
      );
      return { outcome: 'skipped' };
    }
    const message = await repo.findOne({ where: { id: data.messageId }, relations: { ticket: { contact: true } } });
    if (!message || message.direction !== MessageDirection.Out || message.internal || !message.ticket) {
      return { outcome: 'skipped' };
    }
    if (message.deliveryStatus === DeliveryStatus.Sent) return { outcome: 'already_sent' };
    if (message.deliveryStatus === DeliveryStatus.Failed) return { outcome: 'failed' };
    const ticket = message.ticket;
    const to = ticket.contact?.email;
    if (!to) return this.fail(message, 'no_recipient');

    await repo.update({ id: message.id }, { deliveryStatus: DeliveryStatus.Sending });
    const mail: OutboundMail = {
      from: { address: this.config.values.MAIL_FROM, name: this.config.values.MAIL_FROM_NAME },
      to,
      replyTo: this.tokens.replyToAddress(ticket.number),
      subject: outboundSubject(ticket.subject, ticket.number, message.autoSubmitted),
      text: withPortalLink(message.bodyText, this.config.values.PUBLIC_URL, ticket.number),
      messageId: message.messageIdHeader ?? this.tokens.messageId(ticket.number),
      inReplyTo: message.inReplyTo,
      references: message.references,
      autoSubmitted: message.autoSubmitted,
    };
    try {
      await this.transport.send(mail);
    } catch (error) {
      // A header that would carry a control character can never be sent: fail at once. (Its `name`
      // is plain 'Error'; the reason is its `code`.)
      const code =
        error instanceof MailSendError || error instanceof HeaderInjectionError
          ? error.code
          : error instanceof Error
            ? error.name
            : 'send_failed';
      const permanent = error instanceof MailSendError ? error.permanent : error instanceof HeaderInjectionError;
      const reason = error instanceof MailSendError && error.responseCode ? `${code}:${error.responseCode}` : code;
      const last = meta.attemptsMade + 1 >= meta.maxAttempts;
      this.logger.warn(
        { messageId: message.id, code, attempt: meta.attemptsMade + 1, permanent, last },
        'outbound send failed',
      );
      if (code === 'EAUTH' && permanent) {
        // The server refused the desk's own login (a wrong SMTP_URL password): no fault of this
        // message, and no retry can succeed until the configuration is fixed, which restarts the
        // worker. Like smtp_not_configured, the message stays queued, visibly not sent, and the
        // start-up re-enqueue sends it then (RequeueOutbound).
        await repo.update({ id: message.id }, { deliveryStatus: DeliveryStatus.Queued, deliveryError: reason });
        return { outcome: 'skipped' };
      }
      if (permanent || last) return this.fail(message, reason);
      await repo.update(
        { id: message.id },
        { deliveryStatus: DeliveryStatus.Queued, deliveryError: `retrying:${code}` },
      );
      throw error;
    }
    await this.markSent(message, mail.messageId);
    return { outcome: 'sent' };
  }

  /**
   * The server has accepted the mail: from here on, a thrown error would make BullMQ run the job
   * again and send the mail a second time. So a failure to record `sent` (the database briefly
   * away) is retried here, for about 15 s, before giving up.
   */
  private async markSent(message: MessageEntity, messageIdHeader: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.dataSource.transaction(async (m) => {
          await m.update(
            MessageEntity,
            { id: message.id },
            { deliveryStatus: DeliveryStatus.Sent, deliveryError: null, messageIdHeader },
          );
          await recordHistory(m, {
            ticketId: message.ticketId,
            actorType: ActorType.System,
            actorId: null,
            type: 'message_sent',
            field: 'message',
            newValue: message.id,
          });
        });
        return;
      } catch (error) {
        if (attempt >= MARK_SENT_TRIES) throw error;
        this.logger.warn(
          { messageId: message.id, attempt, error: error instanceof Error ? error.name : 'unknown' },
          'sent, but could not record it yet',
        );
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  }

  private async fail(message: MessageEntity, reason: string): Promise<{ outcome: SendOutcome }> {
    await this.dataSource.transaction(async (m) => {
      await m.update(
        MessageEntity,
        { id: message.id },
        { deliveryStatus: DeliveryStatus.Failed, deliveryError: reason },
      );
      await recordHistory(m, {
        ticketId: message.ticketId,
        actorType: ActorType.System,
        actorId: null,
        type: 'message_failed',
        field: 'delivery_status',
        newValue: DeliveryStatus.Failed,
      });
    });
    return { outcome: 'failed' };
  }
}

/**
 * `Re: <subject> [T-10042]` for replies; acknowledgements say what they are. Always one line: every
 * character the header check refuses (assertHeaderSafe) becomes a space, since a customer's subject
 * may hold any of them and must not make the ticket unanswerable.
 */
export function outboundSubject(subject: string, ticketNumber: number, acknowledgement: boolean): string {
  const clean = subject
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .replace(/\s*\[T-\d+\]\s*/gi, ' ')
    .replace(/^\s*((re|aw|sv|fwd?|wg)\s*:\s*)+/i, '')
    .trim()
    .slice(0, 200);
  return acknowledgement ? `[T-${ticketNumber}] Received: ${clean}` : `Re: ${clean} [T-${ticketNumber}]`;
}
