import { hmacHex } from '@app/common';
import { AppConfig } from '@app/config';
import {
  ActorType,
  AttachmentEntity,
  AttachmentStorage,
  Channel,
  DeliveryStatus,
  ConsentEntity,
  ConsentPurpose,
  InboundKind,
  InboundMessageEntity,
  InboundStatus,
  MessageDirection,
  MessageEntity,
  TicketEntity,
  TicketStatus,
  TICKET_NUMBER_SEQUENCE,
} from '@app/database';
import { ReplyTokens } from '@app/mail';
import { QueueService } from '@app/queue';
import { enqueueSend, queueAcknowledgement, recordHistory } from '@app/tickets';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { sha256Hex } from '@app/common';
import { resolveAttachmentPlaceholders } from '../pipeline/filters/sanitize-html.filter';
import type { IntakeContext } from '../pipeline/intake-context';

export type PersistOutcome =
  | { kind: 'created'; ticketId: string; messageId: string; outbound?: string[] }
  | { kind: 'follow_up'; ticketId: string; messageId: string; outbound?: string[] }
  | { kind: 'duplicate'; ticketId: string; messageId: string }
  | { kind: 'already_processed'; ticketId: string | null }
  | { kind: 'gone' };

/**
 * Commits one processed inbound message in ONE transaction: contact, ticket or follow-up message,
 * attachments, history, consents, and the staging row marked processed with its raw bytes dropped.
 * The staging row is locked first, so a job that runs twice (BullMQ is at-least-once) finds it
 * processed and creates nothing twice.
 *
 * Follow-up rules (issue 4): a customer reply on a solved (or pending) ticket reopens it; on a
 * closed ticket it starts a new ticket linked to the old one. Auto-replies, bounces, feedback
 * reports and loops are stored on the ticket they belong to but never reopen it and never get an
 * acknowledgement. A bounce marks the outbound message it reports on as failed. Acknowledgements
 * are queued in the same transaction and enqueued for sending after the commit.
 */
@Injectable()
export class PersistInboundService {
  private readonly tokens: ReplyTokens;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: AttachmentStorage,
    private readonly config: AppConfig,
    private readonly queue: QueueService,
  ) {
    this.tokens = new ReplyTokens(config.values.APP_SECRET, config.values.MAIL_FROM);
  }

  async persist(ctx: IntakeContext): Promise<PersistOutcome> {
    const outcome = await this.dataSource.transaction((m) => this.commit(m, ctx));
    // After the commit only: a job for a rolled-back row would send mail about nothing.
    if ('outbound' in outcome) for (const id of outcome.outbound ?? []) await enqueueSend(this.queue, id);
    return outcome;
  }

  private async commit(m: EntityManager, ctx: IntakeContext): Promise<PersistOutcome> {
    const message = ctx.message;
    const sender = ctx.sender;
    if (!message || !sender) throw new Error('pipeline did not produce a message and sender');
    // Immutable staging columns come from the row the handler loaded (the raw bytes are never re-read).
    const row = ctx.inbound;
    const contentSha = row.sha256;
    // One statement: lock the staging row, read its state, and look for the same email already
    // stored (through another mailbox, or APPENDed twice: same Message-ID and content hash).
    const locked = await m.query<
      Array<{ status: InboundStatus; ticket_id: string | null; dup_id: string | null; dup_ticket_id: string | null }>
    >(
      `SELECT i.status, i.ticket_id, d.id AS dup_id, d.ticket_id AS dup_ticket_id
         FROM inbound_messages i
         LEFT JOIN LATERAL (
           SELECT id, ticket_id FROM messages
            WHERE $2::text IS NOT NULL AND message_id_header = $2 AND content_sha256 = $3 AND direction = $4
            LIMIT 1) d ON true
        WHERE i.id = $1
        FOR UPDATE OF i`,
      [row.id, message.messageId, contentSha, MessageDirection.In],
    );
    const state = locked[0];
    if (!state) return { kind: 'gone' } as const;
    if (state.status === InboundStatus.Processed || state.status === InboundStatus.Quarantined) {
      return { kind: 'already_processed', ticketId: state.ticket_id } as const;
    }
    if (state.dup_id && state.dup_ticket_id) {
      await this.markProcessed(m, row, state.dup_ticket_id, state.dup_id);
      return { kind: 'duplicate', ticketId: state.dup_ticket_id, messageId: state.dup_id } as const;
    }

    const contactId = await this.upsertContact(m, sender.address, sender.name);
    const human = ctx.classification === 'normal';
    const now = new Date();
    let kind: 'created' | 'follow_up' = 'follow_up';
    let ticket = ctx.thread.ticketId ? await this.lockTicket(m, ctx.thread.ticketId) : null;
    let linkedTicketId: string | null = null;
    if (ticket && ticket.status === TicketStatus.Closed && human) {
      // A closed ticket stays closed; the customer's new mail starts a new ticket that links back.
      linkedTicketId = ticket.id;
      ticket = null;
    }
    let ticketId: string;
    let ticketNumber: number;
    if (ticket) {
      ticketId = ticket.id;
      ticketNumber = ticket.number;
      const reopen = human && (ticket.status === TicketStatus.Solved || ticket.status === TicketStatus.Pending);
      await m.update(
        TicketEntity,
        { id: ticketId },
        reopen ? { lastMessageAt: now, status: TicketStatus.Open, solvedAt: null } : { lastMessageAt: now },
      );
      if (reopen) {
        await recordHistory(m, {
          ticketId,
          actorType: ActorType.Contact,
          actorId: contactId,
          type: 'status_changed',
          field: 'status',
          oldValue: ticket.status,
          newValue: TicketStatus.Open,
        });
      }
    } else {
      kind = 'created';
      // One INSERT … RETURNING gives both the id and the number (from its sequence, or reserved).
      const created = (
        await m.query<Array<{ id: string; number: string }>>(
          `INSERT INTO tickets (number, subject, status, channel, contact_id, mailbox_id, group_id, last_message_at, linked_ticket_id)
           VALUES (COALESCE($1, nextval('${TICKET_NUMBER_SEQUENCE}')), $2, $3, $4, $5, $6, NULL, $7, $8)
           RETURNING id, number`,
          [
            row.reservedTicketNumber ?? null,
            message.subject.trim() || '(no subject)',
            TicketStatus.New,
            row.kind === InboundKind.Form ? Channel.Form : Channel.Email,
            contactId,
            row.mailboxId,
            now,
            linkedTicketId,
          ],
        )
      )[0];
      if (!created) throw new Error('ticket insert returned no row');
      ticketId = created.id;
      ticketNumber = Number(created.number);
      await recordHistory(m, {
        ticketId,
        actorType: ActorType.Contact,
        actorId: contactId,
        type: 'ticket_created',
        field: 'channel',
        newValue: row.kind,
      });
      if (linkedTicketId) {
        await recordHistory(m, {
          ticketId,
          actorType: ActorType.System,
          actorId: null,
          type: 'linked_to_closed',
          field: 'linked_ticket_id',
          newValue: linkedTicketId,
        });
      }
    }

    const messageId = randomUUID();
    // Attachment ids are chosen here, so `cid:` images become authenticated attachment URLs in the
    // HTML before the message row is written (one INSERT, no follow-up UPDATE).
    const attachmentIds = message.attachments.map(() => randomUUID());
    await m.insert(MessageEntity, {
      id: messageId,
      ticketId,
      direction: MessageDirection.In,
      internal: false,
      authorContactId: contactId,
      bodyText: message.text,
      bodyHtml: ctx.sanitizedHtml ? resolveAttachmentPlaceholders(ctx.sanitizedHtml, attachmentIds) : null,
      bodyTextVisible: ctx.visibleText,
      bodyTextQuoted: ctx.quotedText,
      classification: row.kind === InboundKind.Form ? null : ctx.classification,
      remoteImagesBlocked: ctx.blockedImages,
      messageIdHeader: message.messageId,
      inReplyTo: message.inReplyTo,
      references: message.references,
      contentSha256: message.messageId ? contentSha : null,
      inboundMessageId: row.id,
    });
    for (const [index, attachment] of message.attachments.entries()) {
      const key = randomUUID();
      await this.storage.put(m, key, attachment.content);
      await m.insert(AttachmentEntity, {
        id: attachmentIds[index],
        messageId,
        filename: attachment.filename,
        contentType: attachment.contentType,
        size: attachment.content.length,
        sha256: sha256Hex(attachment.content),
        contentId: attachment.contentId,
        inline: attachment.inline,
        neverInline: attachment.neverInline ?? false,
        declaredContentType: attachment.declaredContentType ?? null,
        storageKey: key,
      });
    }
    await recordHistory(m, {
      ticketId,
      actorType: ActorType.Contact,
      actorId: contactId,
      type: human ? 'message_received' : `${ctx.classification}_received`,
      field: 'message',
      newValue: messageId,
    });
    if (ctx.form) await this.recordConsents(m, contactId, ctx);
    if (ctx.classification === 'bounce') await this.markBounced(m, ctx);

    const outbound: string[] = [];
    if (kind === 'created' && human && this.config.values.ACK_ENABLED) {
      const ack = await queueAcknowledgement(m, this.tokens, {
        ticketId,
        ticketNumber,
        contactId,
        contactEmail: sender.address,
        limitPerHour: this.config.values.ACK_RATE_LIMIT_PER_HOUR,
      });
      if (ack.queued) outbound.push(ack.messageId);
    }
    await this.markProcessed(m, row, ticketId, messageId);
    return { kind, ticketId, messageId, outbound } as const;
  }

  private async lockTicket(m: EntityManager, id: string): Promise<TicketEntity | null> {
    let ticket = await m
      .getRepository(TicketEntity)
      .createQueryBuilder('t')
      .setLock('pessimistic_write')
      .where('t.id = :id', { id })
      .getOne();
    // A merged ticket's mail follows the ticket it was merged into.
    if (ticket?.mergedIntoId) {
      const target = await m
        .getRepository(TicketEntity)
        .createQueryBuilder('t')
        .setLock('pessimistic_write')
        .where('t.id = :id', { id: ticket.mergedIntoId })
        .getOne();
      ticket = target ?? ticket;
    }
    return ticket;
  }

  /** A bounce marks the outbound message it reports on as failed, with a short reason code. */
  private async markBounced(m: EntityManager, ctx: IntakeContext): Promise<void> {
    const bounce = ctx.classificationDetail.bounce;
    if (!bounce?.originalMessageId) return;
    const failed = bounce.recipients.filter((r) => r.reason !== 'delivered');
    if (bounce.recipients.length > 0 && failed.length === 0) return;
    const original = await m.findOne(MessageEntity, {
      where: { messageIdHeader: bounce.originalMessageId, direction: MessageDirection.Out },
    });
    if (!original) return;
    const first = failed[0];
    const permanent = failed.length === 0 || failed.some((r) => r.permanent);
    const reason = `bounced:${permanent ? 'permanent' : 'temporary'}:${first?.reason ?? 'unknown'}${first?.status ? `:${first.status}` : ''}`;
    // A temporary report (delayed) is shown, but the message is failed only when delivery gave up.
    await m.update(
      MessageEntity,
      { id: original.id },
      permanent ? { deliveryStatus: DeliveryStatus.Failed, deliveryError: reason } : { deliveryError: reason },
    );
    await recordHistory(m, {
      ticketId: original.ticketId,
      actorType: ActorType.System,
      actorId: null,
      type: 'message_bounced',
      field: 'delivery_status',
      oldValue: original.deliveryStatus,
      newValue: permanent ? DeliveryStatus.Failed : original.deliveryStatus,
    });
  }

  /**
   * The contact of an address. The common case (a known contact) is one read that locks nothing:
   * an upsert would lock the contact row until commit and serialise every concurrent message of the
   * same sender. A new address is inserted; a missing display name is filled in once.
   */
  private async upsertContact(m: EntityManager, email: string, name: string | null): Promise<string> {
    const found = await m.query<Array<{ id: string; has_name: boolean }>>(
      `SELECT id, name IS NOT NULL AS has_name FROM contacts WHERE email = $1`,
      [email],
    );
    const existing = found[0];
    if (existing && (existing.has_name || !name)) return existing.id;
    const rows = await m.query<Array<{ id: string }>>(
      `INSERT INTO contacts (email, name) VALUES ($1, $2)
       ON CONFLICT (email) DO UPDATE SET name = COALESCE(contacts.name, EXCLUDED.name)
       RETURNING id`,
      [email, name],
    );
    const id = rows[0]?.id;
    if (!id) throw new Error('contact upsert returned no id');
    return id;
  }

  /** Consent boxes are recorded as given, each purpose on its own; unticked is recorded too. */
  private async recordConsents(m: EntityManager, contactId: string, ctx: IntakeContext): Promise<void> {
    const form = ctx.form;
    if (!form) return;
    const decisions: Array<[ConsentPurpose, boolean]> = [
      [ConsentPurpose.PromotionalEmail, form.consents.promotionalEmail],
      [ConsentPurpose.MarketResearch, form.consents.marketResearch],
    ];
    for (const [purpose, granted] of decisions) {
      if (!granted) continue;
      await m.insert(ConsentEntity, {
        contactId,
        purpose,
        granted,
        source: 'web_form',
        policyVersion: form.policyVersion,
        ipHash: form.ipHash,
      });
    }
  }

  private async markProcessed(
    m: EntityManager,
    row: Pick<InboundMessageEntity, 'id'>,
    ticketId: string,
    messageId: string,
  ): Promise<void> {
    await m.query(
      `UPDATE inbound_messages
          SET status = $2, raw = NULL, reason = NULL, ticket_id = $3, message_row_id = $4, processed_at = now()
        WHERE id = $1`,
      [row.id, InboundStatus.Processed, ticketId, messageId],
    );
  }
}

/** Keyed hash of an IP for consent records: lets us confirm a claim later without keeping the IP. */
export function hashIp(secret: string, ip: string | undefined): string | null {
  return ip ? hmacHex(secret, 'consent-ip', ip) : null;
}
