import { AppConfig } from '@app/config';
import { AgentNotificationEntity, formatTicketReference, TicketEntity, UserEntity } from '@app/database';
import { MailSendError, MailTransport, ReplyTokens } from '@app/mail';
import { JobHandler, JobName, type JobMeta, type JobOf } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { isNotificationKind } from './notification-kind';
import { renderNotification } from './notification-text';

/**
 * Handles `send-notification`: renders the agent's mail from the row and the ticket at send time
 * and sends it through the desk's SMTP transport, marked `Auto-Submitted: auto-generated`, with a
 * notification Message-ID that intake recognises (a bounce or answer to it never becomes a ticket).
 * At most once: a row found `sending` (an earlier run died inside the SMTP window) is not sent again.
 * With no SMTP_URL the row is dropped: a notification that waits for hours helps nobody.
 */
@Injectable()
export class NotificationMailHandler {
  private readonly logger = new Logger(NotificationMailHandler.name);
  private readonly tokens: ReplyTokens;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transport: MailTransport,
    private readonly config: AppConfig,
  ) {
    this.tokens = new ReplyTokens(config.values.APP_SECRET, config.values.MAIL_FROM);
  }

  @JobHandler(JobName.SendNotification)
  async handle(data: JobOf<JobName.SendNotification>, meta: JobMeta): Promise<{ outcome: string }> {
    const repo = this.dataSource.getRepository(AgentNotificationEntity);
    const row = await repo.findOneBy({ id: data.notificationId });
    if (!row) return { outcome: 'skipped' };
    if (row.status === 'sending') {
      await repo.update({ id: row.id }, { status: 'failed', reason: 'interrupted' });
      return { outcome: 'failed' };
    }
    if (row.status !== 'queued' || !isNotificationKind(row.kind)) return { outcome: 'skipped' };
    const [user, ticket] = await Promise.all([
      this.dataSource.getRepository(UserEntity).findOneBy({ id: row.userId, active: true }),
      this.dataSource.getRepository(TicketEntity).findOneBy({ id: row.ticketId }),
    ]);
    if (!user || !ticket) {
      await repo.update({ id: row.id }, { status: 'dropped', reason: 'gone' });
      return { outcome: 'skipped' };
    }
    if (!this.transport.configured) {
      await repo.update({ id: row.id }, { status: 'dropped', reason: 'smtp_not_configured' });
      return { outcome: 'skipped' };
    }
    const dueAt =
      row.kind === 'sla_first_response'
        ? ticket.firstResponseDueAt
        : row.kind === 'sla_resolution'
          ? ticket.resolutionDueAt
          : null;
    const mail = renderNotification(
      row.kind,
      { id: ticket.id, reference: formatTicketReference(ticket.number), subject: ticket.subject, dueAt },
      this.config.values.PUBLIC_URL,
    );
    await repo.update({ id: row.id }, { status: 'sending' });
    try {
      await this.transport.send({
        from: { address: this.config.values.MAIL_FROM, name: this.config.values.MAIL_FROM_NAME },
        to: user.email,
        replyTo: this.config.values.MAIL_FROM,
        subject: mail.subject,
        text: mail.text,
        messageId: this.tokens.notificationMessageId(row.id),
        inReplyTo: null,
        references: [],
        autoSubmitted: true,
        autoSubmittedKind: 'auto-generated',
      });
    } catch (error) {
      const code = error instanceof MailSendError ? error.code : error instanceof Error ? error.name : 'send_failed';
      const permanent = error instanceof MailSendError && error.permanent;
      const last = meta.attemptsMade + 1 >= meta.maxAttempts;
      this.logger.warn({ notificationId: row.id, code, attempt: meta.attemptsMade + 1 }, 'notification failed');
      if (permanent || last) {
        await repo.update({ id: row.id }, { status: 'failed', reason: code });
        return { outcome: 'failed' };
      }
      await repo.update({ id: row.id }, { status: 'queued', reason: `retrying:${code}` });
      throw error;
    }
    await repo.update({ id: row.id }, { status: 'sent', reason: null, sentAt: new Date() });
    return { outcome: 'sent' };
  }
}
