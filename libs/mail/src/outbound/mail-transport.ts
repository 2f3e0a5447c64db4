import type { AppConfig } from '@app/config';
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

/**
 * Where one message goes out, when not through the default SMTP_URL: a mailbox's own SMTP URL, or
 * a mailbox signed in with OAuth2 (SASL XOAUTH2 with a fresh access token).
 */
export type SmtpRoute =
  | { url: string }
  | { host: string; port: number; secure: boolean; user: string; accessToken: string; rejectUnauthorized?: boolean };

/** Port: how the outbound use cases send. */
export abstract class MailTransport {
  /** False when there is no default outgoing server (no SMTP_URL): sends without a route fail. */
  abstract readonly configured: boolean;
  abstract send(mail: OutboundMail, route?: SmtpRoute): Promise<SendResult>;
  abstract close(): void;
}

/**
 * nodemailer SMTP adapter. One pooled transporter per process; the URL comes from SMTP_URL.
 * With no URL there is no transport: sending fails with `smtp_not_configured` and the message
 * stays visible as not sent — never a silent log-only "success".
 */
export class SmtpMailTransport extends MailTransport {
  private readonly transporter: Transporter | null;
  /** Mailboxes with an SMTP URL of their own: one pooled transporter per URL. */
  private readonly byUrl = new Map<string, Transporter>();

  /** nodemailer's pool: `maxConnections` per server (SMTP_MAX_CONNECTIONS; nodemailer's default 5). */
  private readonly poolOptions: Record<string, unknown>;

  constructor(url: string | undefined, maxConnections = 5) {
    super();
    this.poolOptions = { pool: true, maxConnections, connectionTimeout: 10_000, socketTimeout: 30_000 };
    // The URL inside the options object: given as `createTransport(url, options)`, the options would
    // be defaults for every message, not settings of the transport (no pool, no timeouts).
    this.transporter = url ? nodemailer.createTransport({ url, ...this.poolOptions } as never) : null;
  }

  private transporterFor(route: SmtpRoute | undefined): { transporter: Transporter | null; oneOff: boolean } {
    if (!route) return { transporter: this.transporter, oneOff: false };
    if ('url' in route) {
      let t = this.byUrl.get(route.url);
      if (!t) {
        t = nodemailer.createTransport({ url: route.url, ...this.poolOptions } as never);
        this.byUrl.set(route.url, t);
      }
      return { transporter: t, oneOff: false };
    }
    // OAuth2: the access token changes every hour, so a connection per message (no pool to go stale).
    return {
      transporter: nodemailer.createTransport({
        host: route.host,
        port: route.port,
        secure: route.secure,
        auth: { type: 'OAuth2', user: route.user, accessToken: route.accessToken },
        tls: { rejectUnauthorized: route.rejectUnauthorized ?? true },
        connectionTimeout: 10_000,
        socketTimeout: 30_000,
      } as never),
      oneOff: true,
    };
  }

  get configured(): boolean {
    return this.transporter !== null;
  }

  async send(mail: OutboundMail, route?: SmtpRoute): Promise<SendResult> {
    const { transporter, oneOff } = this.transporterFor(route);
    if (!transporter) throw new MailSendError('smtp_not_configured', null);
    const options = toNodemailerOptions(mail);
    try {
      const info = (await transporter.sendMail(options)) as {
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
    } finally {
      if (oneOff) transporter.close();
    }
  }

  close(): void {
    this.transporter?.close();
    for (const t of this.byUrl.values()) t.close();
    this.byUrl.clear();
  }
}

/** The desk's transport from its configuration (SMTP_URL, SMTP_MAX_CONNECTIONS): a Nest `useFactory`. */
export function smtpTransportFromConfig(config: AppConfig): SmtpMailTransport {
  return new SmtpMailTransport(config.values.SMTP_URL, config.values.SMTP_MAX_CONNECTIONS);
}
