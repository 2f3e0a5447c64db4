import {
  AttachmentEntity,
  ContactEntity,
  formatTicketReference,
  HistoryEventEntity,
  MessageEntity,
  parseTicketReference,
  TicketEntity,
  TicketStatus,
} from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from './cursor';
import { TicketError } from './ticket.error';

export interface TicketListQuery {
  status?: TicketStatus[];
  limit?: number;
  cursor?: string;
}

export interface TicketSummary {
  id: string;
  reference: string;
  subject: string;
  status: TicketStatus;
  priority: string;
  channel: string;
  contact: { id: string; name: string | null; email: string | null };
  assigneeId: string | null;
  groupId: string | null;
  createdAt: string;
  updatedAt: string;
  lastMessageAt: string;
}

export interface TicketPage {
  items: TicketSummary[];
  nextCursor: string | null;
}

export interface TicketDetail extends TicketSummary {
  firstResponseAt: string | null;
  solvedAt: string | null;
  closedAt: string | null;
  messages: Array<{
    id: string;
    direction: string;
    internal: boolean;
    authorContactId: string | null;
    authorUserId: string | null;
    bodyText: string;
    bodyHtml: string | null;
    messageId: string | null;
    inReplyTo: string | null;
    references: string[];
    deliveryStatus: string | null;
    createdAt: string;
    attachments: Array<{
      id: string;
      filename: string;
      contentType: string;
      size: number;
      sha256: string;
      inline: boolean;
      contentId: string | null;
    }>;
  }>;
  history: Array<{
    type: string;
    field: string | null;
    oldValue: string | null;
    newValue: string | null;
    actorType: string;
    actorId: string | null;
    createdAt: string;
  }>;
}

const MAX_LIMIT = 100;

@Injectable()
export class TicketQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Newest activity first; keyset pagination on (updated_at, id) so deep pages stay fast. */
  async list(query: TicketListQuery): Promise<TicketPage> {
    const limit = Math.min(Math.max(query.limit ?? 25, 1), MAX_LIMIT);
    const qb = this.dataSource
      .getRepository(TicketEntity)
      .createQueryBuilder('t')
      .leftJoinAndSelect('t.contact', 'c')
      .orderBy('t.updated_at', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .limit(limit + 1);
    if (query.status && query.status.length > 0) qb.andWhere('t.status IN (:...status)', { status: query.status });
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      qb.andWhere('(t.updated_at, t.id) < (:at, :id)', { at: cursor.at, id: cursor.id });
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((t) => summary(t)),
      nextCursor: rows.length > limit && last ? encodeCursor({ at: last.updatedAt, id: last.id }) : null,
    };
  }

  /** By id (UUID) or by reference (`T-10042`). */
  async get(idOrReference: string): Promise<TicketDetail> {
    const ticket = await this.find(idOrReference);
    const messages = await this.dataSource.getRepository(MessageEntity).find({
      where: { ticketId: ticket.id },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    const attachments = messages.length
      ? await this.dataSource.getRepository(AttachmentEntity).find({
          where: { messageId: In(messages.map((m) => m.id)) },
          order: { createdAt: 'ASC' },
        })
      : [];
    const history = await this.dataSource.getRepository(HistoryEventEntity).find({
      where: { ticketId: ticket.id },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return {
      ...summary(ticket),
      firstResponseAt: ticket.firstResponseAt?.toISOString() ?? null,
      solvedAt: ticket.solvedAt?.toISOString() ?? null,
      closedAt: ticket.closedAt?.toISOString() ?? null,
      messages: messages.map((m) => ({
        id: m.id,
        direction: m.direction,
        internal: m.internal,
        authorContactId: m.authorContactId,
        authorUserId: m.authorUserId,
        bodyText: m.bodyText,
        bodyHtml: m.bodyHtml,
        messageId: m.messageIdHeader,
        inReplyTo: m.inReplyTo,
        references: m.references,
        deliveryStatus: m.deliveryStatus,
        createdAt: m.createdAt.toISOString(),
        attachments: attachments
          .filter((a) => a.messageId === m.id)
          .map((a) => ({
            id: a.id,
            filename: a.filename,
            contentType: a.contentType,
            size: a.size,
            sha256: a.sha256,
            inline: a.inline,
            contentId: a.contentId,
          })),
      })),
      history: history.map((h) => ({
        type: h.type,
        field: h.field,
        oldValue: h.oldValue,
        newValue: h.newValue,
        actorType: h.actorType,
        actorId: h.actorId,
        createdAt: h.createdAt.toISOString(),
      })),
    };
  }

  private async find(idOrReference: string): Promise<TicketEntity> {
    const repo = this.dataSource.getRepository(TicketEntity);
    const number = parseTicketReference(idOrReference);
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrReference);
    const ticket =
      number !== null
        ? await repo.findOne({ where: { number }, relations: { contact: true } })
        : isUuid
          ? await repo.findOne({ where: { id: idOrReference }, relations: { contact: true } })
          : null;
    if (!ticket) throw new TicketError('ticket_not_found', 'No such ticket');
    return ticket;
  }
}

function summary(t: TicketEntity): TicketSummary {
  const contact: ContactEntity | undefined = t.contact;
  return {
    id: t.id,
    reference: formatTicketReference(t.number),
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    channel: t.channel,
    contact: { id: t.contactId, name: contact?.name ?? null, email: contact?.email ?? null },
    assigneeId: t.assigneeId,
    groupId: t.groupId,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    lastMessageAt: t.lastMessageAt.toISOString(),
  };
}
