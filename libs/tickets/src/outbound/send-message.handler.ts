import { deskSettingsFrom, type DeskSettings } from '@app/auth';
import { AppConfig } from '@app/config';
import {
  ActorType,
  Channel,
  AttachmentEntity,
  AttachmentStorage,
  ContactEntity,
  DeliveryStatus,
  MailboxEntity,
  MessageDirection,
  MessageEntity,
  TicketEntity,
} from '@app/database';
import {
  HeaderInjectionError,
  MailSendError,
  MailTransport,
  PasswordCipher,
  ReplyTokens,
  type OutboundAttachment,
  type OutboundMail,
  type SmtpRoute,
} from '@app/mail';
import { JobHandler, JobName, type JobMeta, type JobOf } from '@app/queue';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { recordHistory } from '../history';
import { withPortalLink } from './portal-link';
import { SmtpRouteResolver } from './smtp-route-resolver';

export type SendOutcome = 'sent' | 'already_sent' | 'skipped' | 'failed' | 'retrying';

interface LoadedSend {
  message: MessageEntity & { ticket: NonNullable<MessageEntity['ticket']> };
  mailbox: MailboxEntity | null;
  desk: DeskSettings;
  hasAttachments: boolean;
}

interface SentKey {
  id: string;
  header: string;
  firstResponse: boolean;
}

/** A mail to send as `loadMany` reads it: the message, its ticket and contact, where it goes out from. */
interface SendRow {
  id: string;
  ticket_id: string;
  direction: MessageDirection;
  internal: boolean;
  author_user_id: string | null;
  body_text: string;
  body_html: string | null;
  message_id_header: string | null;
  in_reply_to: string | null;
  references: string[];
  delivery_status: DeliveryStatus | null;
  auto_submitted: boolean;
  to_addresses: string[] | null;
  cc: string[];
  bcc: string[];
  forwarded_message_id: string | null;
  ticket_subject: string;
  ticket_number: string;
  ticket_channel: Channel;
  contact_email: string | null;
  sending_mailbox_id: string | null;
  has_attachments: boolean;
  desk_settings: Record<string, unknown> | null;
}

/**
 * Statements of concurrent sends are gathered for 2 ms (at most 100): no cache, every load reads
 * the database afresh.
 */
const BATCH_OPTIONS = {
  cache: false,
  maxBatchSize: 100,
  batchScheduleFn: (run: () => void) => setTimeout(run, 2),
};

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
 * Automatic mail (acknowledgements) is the exception: at most once, so a row found `sending` is
 * marked failed (`interrupted`) instead of being sent a second time.
 */
@Injectable()
export class SendMessageHandler {
  private readonly logger = new Logger(SendMessageHandler.name);
  private readonly tokens: ReplyTokens;
  /**
   * The statements of sends running at once (OUTBOUND_CONCURRENCY) are made together: the loads,
   * the `sending` marks and the `sent` marks of one short window each become one statement (and one
   * commit), not one per mail.
   */
  private readonly batches = {
    load: new DataLoader<string, LoadedSend | null>((ids) => this.loadMany(ids), BATCH_OPTIONS),
    sending: new DataLoader<string, boolean>((ids) => this.markSendingMany(ids), BATCH_OPTIONS),
    sent: new DataLoader<SentKey, true>((keys) => this.markSentMany(keys), BATCH_OPTIONS),
  };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transport: MailTransport,
    private readonly config: AppConfig,
    private readonly storage: AttachmentStorage,
    private readonly cipher: PasswordCipher,
    @Optional() private readonly routes?: SmtpRouteResolver,
  ) {
    this.tokens = new ReplyTokens(config.values.APP_SECRET, config.values.MAIL_FROM);
  }

  @JobHandler(JobName.SendMessage)
  async handle(data: JobOf<JobName.SendMessage>, meta: JobMeta): Promise<{ outcome: SendOutcome }> {
    const repo = this.dataSource.getRepository(MessageEntity);
    const loaded = await this.load(data.messageId);
    if (!loaded) return { outcome: 'skipped' };
    const { message, mailbox, desk, hasAttachments } = loaded;
    let route: SmtpRoute | undefined;
    try {
      route = await this.routeFor(mailbox);
    } catch (error) {
      // The mailbox's own transport cannot be used (an OAuth2 grant revoked, a secret that no longer
      // decrypts): like a refused login, nothing this message can fix; it waits, visibly, for the
      // mailbox to be reconnected (which re-enqueues it).
      const own = (error as { code?: unknown } | null)?.code;
      const code = typeof own === 'string' && /^[a-z_]{1,40}$/.test(own) ? own : 'mailbox_transport_unavailable';
      await repo.update(
        { id: message.id, deliveryStatus: In([DeliveryStatus.Queued, DeliveryStatus.Sending]) },
        { deliveryStatus: DeliveryStatus.Queued, deliveryError: code },
      );
      return { outcome: 'skipped' };
    }
    if (!route && !this.transport.configured) {
      // No SMTP_URL: the message stays queued (visible as not sent, with the reason) until a worker
      // with a transport starts and re-enqueues it (RequeueOutbound). One statement, no rendering.
      await repo.update(
        { id: data.messageId, direction: MessageDirection.Out, internal: false, deliveryStatus: DeliveryStatus.Queued },
        { deliveryError: 'smtp_not_configured' },
      );
      return { outcome: 'skipped' };
    }
    if (message.deliveryStatus === DeliveryStatus.Sent) return { outcome: 'already_sent' };
    if (message.deliveryStatus === DeliveryStatus.Failed) return { outcome: 'failed' };
    if (message.deliveryStatus === DeliveryStatus.Sending && message.autoSubmitted) {
      // An automatic mail (acknowledgement, notification) whose earlier run died inside the SMTP
      // window may already be with the customer: those are sent at most once, so it is not sent
      // again (replies by agents keep at least once, see above).
      return this.fail(message, 'interrupted');
    }
    const ticket = message.ticket;
    const to = message.toAddresses?.length ? message.toAddresses : ticket.contact?.email ? [ticket.contact.email] : [];
    if (to.length === 0) return this.fail(message, 'no_recipient');

    // The row is claimed, not just marked: an acknowledgement can be sent by the worker that committed
    // it (AcknowledgementSender) and by a job at once (another worker's start-up re-enqueue); only
    // the run whose mark turned it from `queued` to `sending` sends it.
    if (!(await this.batches.sending.load(message.id))) return { outcome: 'skipped' };
    // Without a mailbox identity the desk's own (set-up screen / Desk & security, else MAIL_FROM*).
    const fromAddress = mailbox?.address ?? desk.senderAddress;
    const { html, attachments } = hasAttachments
      ? await this.parts(message)
      : { html: message.bodyHtml ?? null, attachments: [] };
    const mail: OutboundMail = {
      from: { address: fromAddress, name: mailbox?.fromName ?? desk.deskName },
      to,
      cc: message.cc,
      bcc: message.bcc,
      // A mailbox's fixed Reply-To wins; else the signed plus-address of the answering address,
      // which threads the customer's answer even when the client drops In-Reply-To.
      replyTo:
        mailbox?.replyTo ?? new ReplyTokens(this.config.values.APP_SECRET, fromAddress).replyToAddress(ticket.number),
      subject: outboundSubject(
        ticket.subject,
        ticket.number,
        message.autoSubmitted,
        message.forwardedMessageId
          ? 'Fwd'
          : // The first message of a ticket the desk opened answers nothing: no "Re:".
            ticket.channel === Channel.Outbound && !message.inReplyTo
            ? null
            : 'Re',
      ),
      // The customer's own mail links to the request in the portal; a forward to someone else does not.
      text: message.forwardedMessageId
        ? message.bodyText
        : withPortalLink(message.bodyText, desk.publicUrl, ticket.number),
      html,
      attachments,
      messageId: message.messageIdHeader ?? this.tokens.messageId(ticket.number),
      inReplyTo: message.inReplyTo,
      references: message.references,
      autoSubmitted: message.autoSubmitted,
    };
    try {
      await this.transport.send(mail, route);
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
   * The message with its ticket and contact, the mailbox it goes out from (its own, else the
   * ticket's, else the default sender), the desk settings and whether it has attachments: one
   * query, so a mail costs three statements in all (this, `sending`, `sent`).
   */
  private load(messageId: string): Promise<LoadedSend | null> {
    return this.batches.load.load(messageId);
  }

  private async loadMany(messageIds: readonly string[]): Promise<Array<LoadedSend | null>> {
    // Plain SQL and plain rows: built by TypeORM's query builder and hydrated as five joined
    // entities a row, the same load cost the worker about 0.1 ms of CPU per mail (BENCHMARKS.md, M1).
    const rows = await this.dataSource.query<SendRow[]>(
      `SELECT m.id, m.ticket_id, m.direction, m.internal, m.author_user_id, m.body_text, m.body_html,
              m.message_id_header, m.in_reply_to, m."references", m.delivery_status, m.auto_submitted,
              m.to_addresses, m.cc, m.bcc, m.forwarded_message_id,
              t.subject AS ticket_subject, t.number AS ticket_number, t.channel AS ticket_channel,
              c.email AS contact_email, COALESCE(m.mailbox_id, t.mailbox_id) AS sending_mailbox_id,
              EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id) AS has_attachments,
              (SELECT jsonb_object_agg(s.key, s.value) FROM desk_settings s) AS desk_settings
         FROM messages m
         JOIN tickets t ON t.id = m.ticket_id
         LEFT JOIN contacts c ON c.id = t.contact_id
        WHERE m.id = ANY($1::uuid[])`,
      [[...new Set(messageIds)]],
    );
    // The mailboxes the mails go out from (a handful at most) and the default one, as entities:
    // routes and identities read many of their fields.
    const mailboxIds = [...new Set(rows.map((r) => r.sending_mailbox_id).filter((id): id is string => !!id))];
    const mailboxes =
      rows.length === 0
        ? []
        : await this.dataSource
            .getRepository(MailboxEntity)
            .find({ where: [...(mailboxIds.length ? [{ id: In(mailboxIds) }] : []), { defaultOutbound: true }] });
    const mailboxById = new Map(mailboxes.map((mb) => [mb.id, mb]));
    const defaultMailbox = mailboxes.find((mb) => mb.defaultOutbound) ?? null;
    const byId = new Map(rows.map((r) => [r.id, r]));
    return messageIds.map((id) => {
      const row = byId.get(id);
      if (!row || row.direction !== MessageDirection.Out || row.internal) return null;
      const ticket = Object.assign(new TicketEntity(), {
        id: row.ticket_id,
        subject: row.ticket_subject,
        number: Number(row.ticket_number),
        channel: row.ticket_channel,
        contact:
          row.contact_email === null ? undefined : Object.assign(new ContactEntity(), { email: row.contact_email }),
      });
      const message = Object.assign(new MessageEntity(), {
        id: row.id,
        ticketId: row.ticket_id,
        ticket,
        direction: row.direction,
        internal: row.internal,
        authorUserId: row.author_user_id,
        bodyText: row.body_text,
        bodyHtml: row.body_html,
        messageIdHeader: row.message_id_header,
        inReplyTo: row.in_reply_to,
        references: row.references,
        deliveryStatus: row.delivery_status,
        autoSubmitted: row.auto_submitted,
        toAddresses: row.to_addresses,
        cc: row.cc,
        bcc: row.bcc,
        forwardedMessageId: row.forwarded_message_id,
      });
      return {
        message,
        mailbox: (row.sending_mailbox_id ? mailboxById.get(row.sending_mailbox_id) : undefined) ?? defaultMailbox,
        desk: deskSettingsFrom(row.desk_settings, this.config),
        hasAttachments: row.has_attachments,
      };
    });
  }

  /**
   * Marks the messages `sending` (committed before their SMTP transactions start) and says which
   * marks took: a message is claimed from `queued`; an agent's reply also from `sending` (its
   * earlier run died inside the SMTP window, and replies are sent at least once). A message sent,
   * failed, or being sent automatically by another run is not claimed; nor is a second request for
   * the same message in one batch.
   */
  private async markSendingMany(messageIds: readonly string[]): Promise<boolean[]> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected].
    const [rows] = await this.dataSource.query<[Array<{ id: string }>, number]>(
      `UPDATE messages SET delivery_status = $2
        WHERE id = ANY($1::uuid[])
          AND (delivery_status = $3 OR (delivery_status = $2 AND NOT auto_submitted))
        RETURNING id`,
      [[...new Set(messageIds)], DeliveryStatus.Sending, DeliveryStatus.Queued],
    );
    const claimed = new Set(rows.map((r) => r.id));
    return messageIds.map((id) => claimed.delete(id));
  }

  /**
   * Marks the messages sent, sets their tickets' first response where one is, and records the
   * history events: one statement (atomic on its own) for every mail accepted in the window.
   */
  private async markSentMany(keys: readonly SentKey[]): Promise<true[]> {
    await this.dataSource.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::boolean[]) AS x(id, header, first_response)),
       sent AS (
         UPDATE messages m SET delivery_status = $4, delivery_error = NULL, message_id_header = input.header,
                sent_at = now()
           FROM input WHERE m.id = input.id
         RETURNING m.id, m.ticket_id, m.sent_at, input.first_response),
       first_response AS (
         UPDATE tickets t SET first_response_at = s.sent_at
           FROM (SELECT ticket_id, min(sent_at) AS sent_at FROM sent WHERE first_response GROUP BY ticket_id) s
          WHERE t.id = s.ticket_id AND t.first_response_at IS NULL)
       INSERT INTO history_events (ticket_id, actor_type, actor_id, type, field, new_value)
       SELECT ticket_id, $5, NULL, 'message_sent', 'message', id::text FROM sent`,
      [
        keys.map((k) => k.id),
        keys.map((k) => k.header),
        keys.map((k) => k.firstResponse),
        DeliveryStatus.Sent,
        ActorType.System,
      ],
    );
    return keys.map(() => true);
  }

  /** The mailbox's own transport, if it has one (an SMTP URL, or OAuth2 through the resolver). */
  private async routeFor(mailbox: MailboxEntity | null): Promise<SmtpRoute | undefined> {
    if (!mailbox) return undefined;
    const viaResolver = this.routes ? await this.routes.routeFor(mailbox) : undefined;
    if (viaResolver) return viaResolver;
    if (mailbox.smtpUrlEncrypted) return { url: this.cipher.decrypt(mailbox.smtpUrlEncrypted) };
    return undefined;
  }

  /** HTML with stored inline images as `cid:` parts, and every attachment's bytes. */
  private async parts(message: MessageEntity): Promise<{ html: string | null; attachments: OutboundAttachment[] }> {
    const rows = await this.dataSource
      .getRepository(AttachmentEntity)
      .find({ where: { messageId: message.id }, order: { createdAt: 'ASC', id: 'ASC' } });
    const attachments: OutboundAttachment[] = [];
    const cidOf = new Map<string, string>();
    for (const row of rows) {
      const content = row.storageKey ? await this.storage.get(row.storageKey) : null;
      if (!content) continue;
      const cid = row.inline ? `${row.id}@${this.tokens.domain}` : undefined;
      if (cid) cidOf.set(row.id, cid);
      attachments.push({ filename: row.filename, contentType: row.contentType, content, ...(cid ? { cid } : {}) });
    }
    const html = message.bodyHtml
      ? message.bodyHtml.replace(/\/api\/attachments\/([0-9a-f-]{36})/g, (whole, id: string) =>
          cidOf.has(id) ? `cid:${cidOf.get(id)}` : whole,
        )
      : null;
    return { html, attachments };
  }

  /**
   * The server has accepted the mail: from here on, a thrown error would make BullMQ run the job
   * again and send the mail a second time. So a failure to record `sent` (the database briefly
   * away) is retried here, for about 15 s, before giving up.
   */
  private async markSent(message: MessageEntity, messageIdHeader: string): Promise<void> {
    // The SLA's first response is the first agent reply the customer's SMTP path accepted: a reply
    // that was never sent (no SMTP, refused) does not meet it; acknowledgements and forwards to
    // third parties never count.
    const firstResponse = !message.autoSubmitted && !message.toAddresses && !!message.authorUserId;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.batches.sent.load({ id: message.id, header: messageIdHeader, firstResponse });
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
      // Never over a `sent` another run recorded meanwhile: the mail did go out.
      const { affected } = await m.update(
        MessageEntity,
        { id: message.id, deliveryStatus: In([DeliveryStatus.Queued, DeliveryStatus.Sending]) },
        { deliveryStatus: DeliveryStatus.Failed, deliveryError: reason },
      );
      if (!affected) return;
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
export function outboundSubject(
  subject: string,
  ticketNumber: number,
  acknowledgement: boolean,
  prefix: 'Re' | 'Fwd' | null = 'Re',
): string {
  const clean = subject
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .replace(/\s*\[T-\d+\]\s*/gi, ' ')
    .replace(/^\s*((re|aw|sv|fwd?|wg)\s*:\s*)+/i, '')
    .trim()
    .slice(0, 200);
  if (acknowledgement) return `[T-${ticketNumber}] Received: ${clean}`;
  return `${prefix ? `${prefix}: ` : ''}${clean} [T-${ticketNumber}]`;
}
