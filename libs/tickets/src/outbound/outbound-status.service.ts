import { AuditService, type AuditActor } from '@app/audit';
import { randomToken } from '@app/common';
import { readDeskSettings } from '@app/auth';
import { AppConfig } from '@app/config';
import { MailSendError, SmtpMailTransport } from '@app/mail';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { TicketError } from '../ticket.error';

export interface OutboundStatusView {
  configured: boolean;
  /** `smtp://host:port` without the login. */
  server: string | null;
  from: string;
  queued: number;
  failed: number;
  lastError: string | null;
  lastErrorAt: string | null;
}

export type TestEmailResult = { sent: true; response: string } | { sent: false; error: string };

const recipient = z.string().trim().toLowerCase().pipe(z.email());

/** The admin's view of outgoing mail: is SMTP set up, what is waiting, what failed last; a test send. */
@Injectable()
export class OutboundStatusService {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async status(): Promise<OutboundStatusView> {
    const url = this.config.values.SMTP_URL;
    const [counts] = await this.dataSource.query<Array<{ queued: string; failed: string }>>(
      `SELECT count(*) FILTER (WHERE delivery_status IN ('queued', 'sending')) AS queued,
              count(*) FILTER (WHERE delivery_status = 'failed') AS failed
         FROM messages WHERE direction = 'out'`,
    );
    const [last] = await this.dataSource.query<Array<{ delivery_error: string; created_at: Date }>>(
      `SELECT delivery_error, created_at FROM messages
        WHERE direction = 'out' AND delivery_error IS NOT NULL ORDER BY created_at DESC LIMIT 1`,
    );
    return {
      configured: Boolean(url),
      server: url ? serverOf(url) : null,
      from: (await readDeskSettings(this.dataSource, this.config)).senderAddress,
      queued: Number(counts?.queued ?? 0),
      failed: Number(counts?.failed ?? 0),
      lastError: last?.delivery_error ?? null,
      lastErrorAt: last?.created_at.toISOString() ?? null,
    };
  }

  /** Sends one plain test message now (not through the queue) and reports the server's answer. */
  async sendTest(actor: AuditActor, to: unknown): Promise<TestEmailResult> {
    const parsed = recipient.safeParse(to);
    if (!parsed.success) {
      throw new TicketError('invalid_recipient', 'The recipient must be an email address');
    }
    const transport = new SmtpMailTransport(this.config.values.SMTP_URL);
    const desk = await readDeskSettings(this.dataSource, this.config);
    let result: TestEmailResult;
    try {
      const info = await transport.send({
        from: { address: desk.senderAddress, name: desk.deskName },
        to: parsed.data,
        replyTo: desk.senderAddress,
        subject: 'Intake test email',
        text: `This is a test email from your desk "${desk.deskName}". Outgoing mail works.`,
        messageId: `<test-${randomToken(12)}@${desk.senderAddress.split('@')[1] ?? 'intake.localhost'}>`,
        inReplyTo: null,
        references: [],
        autoSubmitted: true,
      });
      result = { sent: true, response: info.response };
    } catch (error) {
      result = { sent: false, error: error instanceof MailSendError ? error.message : 'send failed' };
    } finally {
      transport.close();
    }
    await this.audit.record({
      actor,
      action: 'outbound.test_sent',
      target: { type: 'outbound', id: null },
      details: result.sent ? { sent: true } : { sent: false, error: result.error },
    });
    return result;
  }
}

function serverOf(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}`;
}
