import nodemailer, { type Transporter } from 'nodemailer';
import { toNodemailerOptions, type OutboundMail } from './outbound-mail';

export interface SendResult {
  accepted: string[];
  rejected: string[];
  response: string;
}

/** An SMTP error with the server's reply code, so callers can tell permanent (5xx) from transient. */
export class MailSendError extends Error {
  constructor(
    readonly code: string,
    readonly responseCode: number | null,
  ) {
    super(`send failed: ${code}${responseCode ? ` (${responseCode})` : ''}`);
  }

  get permanent(): boolean {
    return this.responseCode !== null && this.responseCode >= 500 && this.responseCode < 600;
  }
}

/** Port: how the outbound use cases send. */
export abstract class MailTransport {
  /** False when there is no outgoing server at all (no SMTP_URL): every send would fail. */
  abstract readonly configured: boolean;
  abstract send(mail: OutboundMail): Promise<SendResult>;
  abstract close(): void;
}

/**
 * nodemailer SMTP adapter. One pooled transporter per process; the URL comes from SMTP_URL.
 * With no URL there is no transport: sending fails with `smtp_not_configured` and the message
 * stays visible as not sent — never a silent log-only "success".
 */
export class SmtpMailTransport extends MailTransport {
  private readonly transporter: Transporter | null;

  constructor(url: string | undefined) {
    super();
    this.transporter = url
      ? nodemailer.createTransport(url, {
          pool: true,
          maxConnections: 2,
          connectionTimeout: 10_000,
          socketTimeout: 30_000,
        } as never)
      : null;
  }

  get configured(): boolean {
    return this.transporter !== null;
  }

  async send(mail: OutboundMail): Promise<SendResult> {
    if (!this.transporter) throw new MailSendError('smtp_not_configured', null);
    const options = toNodemailerOptions(mail);
    try {
      const info = (await this.transporter.sendMail(options)) as {
        accepted: unknown[];
        rejected: unknown[];
        response: string;
      };
      const rejected = info.rejected.map(String);
      if (rejected.length > 0 && info.accepted.length === 0) throw new MailSendError('recipient_rejected', 550);
      return { accepted: info.accepted.map(String), rejected, response: info.response };
    } catch (error) {
      if (error instanceof MailSendError) throw error;
      const e = error as { code?: string; responseCode?: number };
      throw new MailSendError(
        typeof e.code === 'string' ? e.code : 'send_failed',
        typeof e.responseCode === 'number' ? e.responseCode : null,
      );
    }
  }

  close(): void {
    this.transporter?.close();
  }
}
