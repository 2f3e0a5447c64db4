import { readDeskSettings } from '@app/auth';
import { AppConfig } from '@app/config';
import { CustomerAccountEmailEntity, CustomerAccountMailEntity } from '@app/database';
import { MailSendError, MailTransport } from '@app/mail';
import { JobHandler, JobName, type JobMeta, type JobOf } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { signLinkToken } from './link-token';
import { portalUrl } from './portal-links';

/**
 * Handles `send-portal-mail`: renders a verification or sign-in mail from its row and sends it over
 * SMTP. The link is derived from the row id and expiry with the app secret, so neither the job nor
 * the row holds it. Transient failures are retried by BullMQ; a permanent answer or the last attempt
 * marks the row failed with a reason code (never server text).
 */
@Injectable()
export class PortalMailHandler {
  private readonly logger = new Logger(PortalMailHandler.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transport: MailTransport,
    private readonly config: AppConfig,
  ) {}

  @JobHandler(JobName.SendPortalMail)
  async handle(data: JobOf<JobName.SendPortalMail>, meta: JobMeta): Promise<{ outcome: string }> {
    const repo = this.dataSource.getRepository(CustomerAccountMailEntity);
    const mail = await repo.findOne({ where: { id: data.portalMailId } });
    if (!mail || mail.status !== 'queued') return { outcome: 'skipped' };
    if (mail.expiresAt.getTime() <= Date.now()) {
      await repo.update({ id: mail.id }, { status: 'failed', error: 'expired_before_sending' });
      return { outcome: 'failed' };
    }
    if (!this.transport.configured) {
      await repo.update({ id: mail.id }, { error: 'smtp_not_configured' });
      return { outcome: 'skipped' };
    }
    const address = await this.dataSource.getRepository(CustomerAccountEmailEntity).findOne({
      where: { id: mail.emailId },
    });
    if (!address) return { outcome: 'skipped' };
    const token = signLinkToken(this.config.values.APP_SECRET, {
      mailId: mail.id,
      kind: mail.kind,
      expiresAt: mail.expiresAt,
    });
    const verify = mail.kind === 'verify';
    // Sender and link as the admin set them (set-up screen, Desk & security), else MAIL_FROM / PUBLIC_URL.
    const desk = await readDeskSettings(this.dataSource, this.config);
    const link = portalUrl(desk.publicUrl, verify ? '/portal/verify' : '/portal/link', { token });
    const domain = desk.senderAddress.split('@')[1] ?? 'intake.localhost';
    try {
      await this.transport.send({
        from: { address: desk.senderAddress, name: desk.deskName },
        to: address.email,
        replyTo: desk.senderAddress,
        subject: verify ? 'Confirm your email address' : 'Your sign-in link',
        text: verify
          ? [
              'Hello,',
              '',
              'please confirm this address for your support portal account by opening this link:',
              link,
              '',
              'The link works once and for 24 hours. If you did not register, ignore this message.',
            ].join('\n')
          : [
              'Hello,',
              '',
              'open this link to sign in to the support portal:',
              link,
              '',
              'The link works once and for 15 minutes. If you did not ask for it, ignore this message.',
            ].join('\n'),
        messageId: `<portal-${mail.id}@${domain}>`,
        inReplyTo: null,
        references: [],
        autoSubmitted: true,
      });
    } catch (error) {
      const code = error instanceof MailSendError ? error.code : error instanceof Error ? error.name : 'send_failed';
      const permanent = error instanceof MailSendError && error.permanent;
      this.logger.warn({ portalMailId: mail.id, code, attempt: meta.attemptsMade + 1 }, 'portal mail failed');
      if (permanent || meta.attemptsMade + 1 >= meta.maxAttempts) {
        await repo.update({ id: mail.id }, { status: 'failed', error: code });
        return { outcome: 'failed' };
      }
      throw error;
    }
    await repo.update({ id: mail.id }, { status: 'sent', error: null });
    return { outcome: 'sent' };
  }
}
