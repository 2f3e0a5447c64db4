import {
  ActorType,
  Channel,
  ContactEntity,
  GroupEntity,
  MessageDirection,
  MessageEntity,
  TICKET_NUMBER_SEQUENCE,
  TicketEntity,
  TicketPriority,
  TicketStatus,
  UserEntity,
} from '@app/database';
import { resolveAttachmentPlaceholders } from '@app/mail';
import { QueueService } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { scopeOf, scopeSql, type StaffActor } from '../actor';
import { recordHistory } from '../history';
import { SqlParams } from '../sql-params';
import { ticketChangeSchema } from '../ticket-change';
import { TicketError } from '../ticket.error';
import { inlineUploadIds, parseComposeInput } from './compose-input';
import { ReplyToTicket } from './reply-to-ticket.usecase';
import { enqueueSend } from './send-job';
import { UploadsService } from './uploads.service';

const MAX_SUBJECT = 200;

const schema = z
  .object({
    /** `phone`: a call written down (no email); `email`: the desk writes first, sent by email. */
    kind: z.enum(['phone', 'email']),
    contactId: z.uuid().optional(),
    contact: z
      .object({
        name: z.string().trim().min(1).max(200),
        email: z
          .string()
          .trim()
          .max(254)
          .pipe(z.email({ error: 'must be an email address' })),
      })
      .optional(),
    subject: z.string().trim().min(1, 'is required').max(MAX_SUBJECT, `must be at most ${MAX_SUBJECT} characters`),
    status: z.enum([TicketStatus.Open, TicketStatus.Pending, TicketStatus.Solved]).default(TicketStatus.Open),
    priority: z.enum(TicketPriority).default(TicketPriority.Normal),
    groupId: ticketChangeSchema.shape.groupId,
    /** Absent: the creating agent; null: unassigned. */
    assigneeId: ticketChangeSchema.shape.assigneeId,
    tags: ticketChangeSchema.shape.tags,
  })
  .refine((v) => !!v.contactId !== !!v.contact, { message: 'give either contactId or contact { name, email }' });

export interface CreatedAgentTicket {
  ticketId: string;
  reference: string;
  messageId: string;
}

/**
 * A ticket an agent opens for a customer: a phone call (the caller's request as the first message,
 * no email sent; channel `phone`) or an outbound email (the agent's message is the first message,
 * queued and sent like a reply with our Message-ID and `[T-n]` subject, so the customer's answer
 * threads onto it; channel `outbound`). Like intake: one transaction for contact, ticket, message,
 * attachments and history; the SLA due dates come from the same trigger as for any ticket. An agent
 * may only create tickets they could then open: in no group or one of their own groups
 * (`group_not_allowed`, 403, otherwise).
 */
@Injectable()
export class CreateAgentTicket {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    private readonly reply: ReplyToTicket,
    private readonly uploads: UploadsService,
  ) {}

  async execute(actor: StaffActor, input: unknown): Promise<CreatedAgentTicket> {
    const raw = (input ?? {}) as Record<string, unknown>;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TicketError('invalid_ticket_change', `${issue?.path.join('.') || 'ticket'} ${issue?.message ?? ''}`);
    }
    const data = parsed.data;
    const composed = parseComposeInput({
      body: raw.body,
      html: raw.html,
      cc: raw.cc,
      bcc: raw.bcc,
      attachmentIds: raw.attachmentIds,
    });
    if (data.kind === 'phone' && (composed.cc.length > 0 || composed.bcc.length > 0)) {
      throw new TicketError('invalid_ticket_change', 'A phone ticket sends no email: cc and bcc are not allowed');
    }
    const assigneeId = data.assigneeId === undefined ? actor.id : data.assigneeId;
    const channel = data.kind === 'phone' ? Channel.Phone : Channel.Outbound;

    const created = await this.dataSource.transaction(async (m) => {
      await this.checkGroup(m, actor, data.groupId ?? null);
      if (assigneeId && !(await m.exists(UserEntity, { where: { id: assigneeId, active: true } }))) {
        throw new TicketError('invalid_ticket_change', 'assigneeId is not an active user');
      }
      const contact = await this.contact(m, actor, data);
      if (data.kind === 'email' && !contact.email) {
        throw new TicketError('invalid_ticket_change', 'The contact has no email address');
      }
      const ticketId = randomUUID();
      const rows = await m.query<Array<{ number: string }>>(
        `INSERT INTO tickets (id, number, subject, status, priority, channel, contact_id, group_id, assignee_id, tags,
                              last_message_at, solved_at)
         VALUES ($1, nextval('${TICKET_NUMBER_SEQUENCE}'), $2, $3::ticket_status, $4::ticket_priority, $5::channel,
                 $6, $7, $8, $9::text[], now(), CASE WHEN $3::ticket_status = 'solved' THEN now() END)
         RETURNING number`,
        [
          ticketId,
          data.subject,
          data.status,
          data.priority,
          channel,
          contact.id,
          data.groupId ?? null,
          assigneeId,
          [...new Set(data.tags ?? [])].sort(),
        ],
      );
      const number = Number(rows[0]?.number);
      await recordHistory(m, {
        ticketId,
        actorType: ActorType.User,
        actorId: actor.id,
        type: 'ticket_created',
        field: 'channel',
        newValue: channel,
      });
      let messageId: string;
      if (data.kind === 'email') {
        const ticket = await m.findOneOrFail(TicketEntity, { where: { id: ticketId }, relations: { contact: true } });
        messageId = await this.reply.insertComposed(m, actor, ticket, composed, {});
        await recordHistory(m, {
          ticketId,
          actorType: ActorType.User,
          actorId: actor.id,
          type: 'reply_queued',
          field: 'message',
          newValue: messageId,
        });
      } else {
        messageId = await this.insertCall(m, actor, ticketId, contact.id, composed);
      }
      return { ticketId, reference: `T-${number}`, messageId };
    });
    if (data.kind === 'email') await enqueueSend(this.queue, created.messageId);
    return created;
  }

  /** The caller's request as the agent wrote it down: the customer's message, recorded by the agent. */
  private async insertCall(
    m: EntityManager,
    actor: StaffActor,
    ticketId: string,
    contactId: string,
    composed: ReturnType<typeof parseComposeInput>,
  ): Promise<string> {
    const id = randomUUID();
    const attachmentIds = composed.attachmentIds.map(() => randomUUID());
    await m.insert(MessageEntity, {
      id,
      ticketId,
      direction: MessageDirection.In,
      internal: false,
      authorContactId: contactId,
      authorUserId: actor.id,
      bodyText: composed.text,
      bodyHtml: composed.html ? resolveAttachmentPlaceholders(composed.html, attachmentIds) : null,
      deliveryStatus: null,
    });
    await this.uploads.claim(m, actor.id, id, composed.attachmentIds, attachmentIds, inlineUploadIds(composed));
    await recordHistory(m, {
      ticketId,
      actorType: ActorType.User,
      actorId: actor.id,
      type: 'call_recorded',
      field: 'message',
      newValue: id,
    });
    return id;
  }

  /** Agents create only where they may look: no group, or a group they belong to. */
  private async checkGroup(m: EntityManager, actor: StaffActor, groupId: string | null): Promise<void> {
    if (!groupId) return;
    if (!(await m.exists(GroupEntity, { where: { id: groupId } }))) {
      throw new TicketError('invalid_ticket_change', 'groupId is not a group');
    }
    if (scopeOf(actor).kind === 'all') return;
    const member = await m.query<unknown[]>('SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2', [
      groupId,
      actor.id,
    ]);
    if (member.length === 0) throw new TicketError('group_not_allowed', 'You may not create tickets in that group');
  }

  /**
   * The existing contact (an agent must see one of their tickets, as in customer search), or the
   * contact of that address (a further address of a customer counts), or a new one.
   */
  private async contact(
    m: EntityManager,
    actor: StaffActor,
    data: z.output<typeof schema>,
  ): Promise<{ id: string; email: string | null }> {
    if (data.contactId) {
      const row = await m.findOneBy(ContactEntity, { id: data.contactId });
      const p = new SqlParams();
      const visible =
        row &&
        (
          await m.query<unknown[]>(
            `SELECT 1 FROM tickets t WHERE t.contact_id = ${p.add(row.id)} AND ${scopeSql(scopeOf(actor), (v) => p.add(v))} LIMIT 1`,
            p.values,
          )
        ).length > 0;
      if (!row || !visible || row.anonymizedAt) throw new TicketError('contact_not_found', 'No such customer');
      return { id: row.id, email: row.email };
    }
    const email = data.contact!.email.toLowerCase();
    const found = await m.query<Array<{ id: string }>>(
      `SELECT id FROM contacts WHERE email = $1 UNION ALL SELECT contact_id FROM contact_addresses WHERE email = $1`,
      [email],
    );
    if (found[0]) return { id: found[0].id, email };
    const rows = await m.query<Array<{ id: string }>>(
      `INSERT INTO contacts (email, name) VALUES ($1, $2)
       ON CONFLICT (email) DO UPDATE SET name = COALESCE(contacts.name, EXCLUDED.name) RETURNING id`,
      [email, data.contact!.name],
    );
    return { id: rows[0].id, email };
  }
}
