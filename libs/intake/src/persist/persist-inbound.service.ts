import { hmacHex } from '@app/common';
import {
  ActorType,
  AttachmentEntity,
  AttachmentStorage,
  Channel,
  ConsentEntity,
  ConsentPurpose,
  InboundKind,
  InboundMessageEntity,
  InboundStatus,
  MessageDirection,
  MessageEntity,
  TicketEntity,
  TicketStatus,
} from '@app/database';
import { recordHistory } from '@app/tickets';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { sha256Hex } from '@app/common';
import type { IntakeContext } from '../pipeline/intake-context';

export type PersistOutcome =
  | { kind: 'created'; ticketId: string; messageId: string }
  | { kind: 'follow_up'; ticketId: string; messageId: string }
  | { kind: 'duplicate'; ticketId: string; messageId: string }
  | { kind: 'already_processed'; ticketId: string | null }
  | { kind: 'gone' };

/**
 * Commits one processed inbound message in ONE transaction: contact, ticket or follow-up message,
 * attachments, history, consents, and the staging row marked processed with its raw bytes dropped.
 * The staging row is locked first, so a job that runs twice (BullMQ is at-least-once) finds it
 * processed and creates nothing twice.
 */
@Injectable()
export class PersistInboundService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: AttachmentStorage,
  ) {}

  async persist(ctx: IntakeContext): Promise<PersistOutcome> {
    return this.dataSource.transaction(async (m) => {
      const row = await m
        .getRepository(InboundMessageEntity)
        .createQueryBuilder('i')
        .setLock('pessimistic_write')
        .where('i.id = :id', { id: ctx.inbound.id })
        .getOne();
      if (!row) return { kind: 'gone' } as const;
      if (row.status === InboundStatus.Processed || row.status === InboundStatus.Quarantined) {
        return { kind: 'already_processed', ticketId: row.ticketId } as const;
      }
      const message = ctx.message;
      const sender = ctx.sender;
      if (!message || !sender) throw new Error('pipeline did not produce a message and sender');

      const contentSha = row.sha256;
      if (message.messageId) {
        // The same email through another mailbox, or APPENDed twice: one message row.
        const existing = await m.findOne(MessageEntity, {
          where: { messageIdHeader: message.messageId, contentSha256: contentSha, direction: MessageDirection.In },
        });
        if (existing) {
          await this.markProcessed(m, row, existing.ticketId, existing.id);
          return { kind: 'duplicate', ticketId: existing.ticketId, messageId: existing.id } as const;
        }
      }

      const contactId = await this.upsertContact(m, sender.address, sender.name);
      const now = new Date();
      let ticketId = ctx.thread.ticketId;
      let kind: 'created' | 'follow_up' = 'follow_up';
      if (ticketId) {
        await m.update(TicketEntity, { id: ticketId }, { lastMessageAt: now });
      } else {
        kind = 'created';
        const inserted = await m.insert(TicketEntity, {
          ...(row.reservedTicketNumber ? { number: row.reservedTicketNumber } : {}),
          subject: message.subject.trim() || '(no subject)',
          status: TicketStatus.New,
          channel: row.kind === InboundKind.Form ? Channel.Form : Channel.Email,
          contactId,
          mailboxId: row.mailboxId,
          groupId: null,
          lastMessageAt: now,
        });
        ticketId = (inserted.identifiers[0] as { id: string }).id;
        await recordHistory(m, {
          ticketId,
          actorType: ActorType.Contact,
          actorId: contactId,
          type: 'ticket_created',
          field: 'channel',
          newValue: row.kind,
        });
      }

      const messageId = randomUUID();
      await m.insert(MessageEntity, {
        id: messageId,
        ticketId,
        direction: MessageDirection.In,
        internal: false,
        authorContactId: contactId,
        bodyText: message.text,
        bodyHtml: ctx.sanitizedHtml,
        messageIdHeader: message.messageId,
        inReplyTo: message.inReplyTo,
        references: message.references,
        contentSha256: message.messageId ? contentSha : null,
        inboundMessageId: row.id,
      });
      for (const attachment of message.attachments) {
        const key = randomUUID();
        await this.storage.put(m, key, attachment.content);
        await m.insert(AttachmentEntity, {
          messageId,
          filename: attachment.filename,
          contentType: attachment.contentType,
          size: attachment.content.length,
          sha256: sha256Hex(attachment.content),
          contentId: attachment.contentId,
          inline: attachment.inline,
          storageKey: key,
        });
      }
      await recordHistory(m, {
        ticketId,
        actorType: ActorType.Contact,
        actorId: contactId,
        type: 'message_received',
        field: 'message',
        newValue: messageId,
      });
      if (ctx.form) await this.recordConsents(m, contactId, ctx);
      await this.markProcessed(m, row, ticketId, messageId);
      return { kind, ticketId, messageId } as const;
    });
  }

  private async upsertContact(m: EntityManager, email: string, name: string | null): Promise<string> {
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
    row: InboundMessageEntity,
    ticketId: string,
    messageId: string,
  ): Promise<void> {
    await m.update(
      InboundMessageEntity,
      { id: row.id },
      {
        status: InboundStatus.Processed,
        raw: null,
        reason: null,
        ticketId,
        messageRowId: messageId,
        processedAt: new Date(),
      },
    );
  }
}

/** Keyed hash of an IP for consent records: lets us confirm a claim later without keeping the IP. */
export function hashIp(secret: string, ip: string | undefined): string | null {
  return ip ? hmacHex(secret, 'consent-ip', ip) : null;
}
