import { AppConfig } from '@app/config';
import { UserEntity, UserTokenEntity } from '@app/database';
import { MailSendError, MailTransport } from '@app/mail';
import { JobHandler, JobName, type JobMeta, type JobOf } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { readDeskSettings } from './desk-settings.service';
import { staffLinkPath, staffLinkToken } from './staff-link';

const TEXT = {
  invite: (desk: string, link: string, hours: number) => [
    'Hello,',
    '',
    `you have been invited to the support desk "${desk}". Choose your password with this link:`,
    link,
    '',
    `The link works once and for ${hours} hours. If you did not expect this, ignore this message.`,
  ],
  reset: (desk: string, link: string, hours: number) => [
    'Hello,',
    '',
    `an admin of the support desk "${desk}" issued you a link to set a new password:`,
    link,
    '',
    `The link works once and for ${hours} hours; signing in with it ends your other sessions.`,
  ],
} as const;

/**
 * Handles `send-staff-link`: emails a member of staff their one-time invitation or password-reset
 * link, from the desk's sender address and with its public URL. The link is derived from the row id
 * with the app secret, so neither the job nor the row holds it. A link that was used, replaced or
 * expired before the mail went out is not sent.
 */
@Injectable()
export class StaffLinkMailHandler {
  private readonly logger = new Logger(StaffLinkMailHandler.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transport: MailTransport,
    private readonly config: AppConfig,
  ) {}

  @JobHandler(JobName.SendStaffLink)
  async handle(data: JobOf<JobName.SendStaffLink>, meta: JobMeta): Promise<{ outcome: string }> {
    const row = await this.dataSource.getRepository(UserTokenEntity).findOne({ where: { id: data.userTokenId } });
    if (!row || row.usedAt || row.expiresAt.getTime() <= Date.now()) return { outcome: 'skipped' };
    const user = await this.dataSource.getRepository(UserEntity).findOne({ where: { id: row.userId } });
    if (!user?.active) return { outcome: 'skipped' };
    // No SMTP: the admin still has the link on screen (or from `intake user reset-password`).
    if (!this.transport.configured) return { outcome: 'smtp_not_configured' };
    const desk = await readDeskSettings(this.dataSource, this.config);
    const link = `${desk.publicUrl}${staffLinkPath(staffLinkToken(this.config.values.APP_SECRET, row.id))}`;
    const hours = Math.round((row.expiresAt.getTime() - row.createdAt.getTime()) / 3600_000);
    const invite = row.purpose === 'invite';
    try {
      await this.transport.send({
        from: { address: desk.senderAddress, name: desk.deskName },
        to: user.email,
        replyTo: desk.senderAddress,
        subject: invite ? `Your invitation to ${desk.deskName}` : `Set a new password for ${desk.deskName}`,
        text: (invite ? TEXT.invite : TEXT.reset)(desk.deskName, link, hours).join('\n'),
        messageId: `<staff-link-${row.id}@${desk.senderAddress.split('@')[1] ?? 'intake.localhost'}>`,
        inReplyTo: null,
        references: [],
        autoSubmitted: true,
      });
    } catch (error) {
      const code = error instanceof MailSendError ? error.code : error instanceof Error ? error.name : 'send_failed';
      const permanent = error instanceof MailSendError && error.permanent;
      this.logger.warn({ userTokenId: row.id, code, attempt: meta.attemptsMade + 1 }, 'staff link mail failed');
      if (permanent || meta.attemptsMade + 1 >= meta.maxAttempts) return { outcome: 'failed' };
      throw error;
    }
    return { outcome: 'sent' };
  }
}
