import { ReplyDraftEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { StaffActor } from '../actor';
import { TicketError } from '../ticket.error';
import { TicketQueryService } from '../ticket-query.service';

const MAX_DRAFT_BYTES = 600_000;
const FIELDS = ['mode', 'body', 'html', 'to', 'cc', 'bcc', 'attachments', 'forwardOf'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What an agent was writing on a ticket, per user and ticket, so a reload or a crash of the tab
 * loses nothing. Only the composer's own fields are kept; the draft goes when the ticket goes.
 */
@Injectable()
export class DraftsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tickets: TicketQueryService,
  ) {}

  async get(actor: StaffActor, ticketIdOrReference: string): Promise<{ content: Record<string, unknown> | null }> {
    const ticketId = await this.tickets.visibleTicketId(ticketIdOrReference, actor);
    const row = await this.dataSource.getRepository(ReplyDraftEntity).findOneBy({ userId: actor.id, ticketId });
    return { content: row?.content ?? null };
  }

  async save(actor: StaffActor, ticketIdOrReference: string, input: unknown): Promise<void> {
    const ticketId = await this.tickets.visibleTicketId(ticketIdOrReference, actor);
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw new TicketError('invalid_ticket_change', 'A draft is an object');
    }
    const content: Record<string, unknown> = {};
    for (const key of FIELDS) {
      const value = (input as Record<string, unknown>)[key];
      if (value !== undefined) content[key] = value;
    }
    // A forward's draft names the message it forwards (the composer restores it as a forward).
    if (content.forwardOf !== undefined && content.forwardOf !== null) {
      if (typeof content.forwardOf !== 'string' || !UUID.test(content.forwardOf)) {
        throw new TicketError('invalid_ticket_change', 'forwardOf is a message id');
      }
    }
    if (Buffer.byteLength(JSON.stringify(content)) > MAX_DRAFT_BYTES) {
      throw new TicketError('invalid_ticket_change', `A draft must be at most ${MAX_DRAFT_BYTES} bytes`);
    }
    await this.dataSource
      .getRepository(ReplyDraftEntity)
      .upsert({ userId: actor.id, ticketId, content: content as never }, { conflictPaths: ['userId', 'ticketId'] });
  }

  async discard(actor: StaffActor, ticketIdOrReference: string): Promise<void> {
    const ticketId = await this.tickets.visibleTicketId(ticketIdOrReference, actor);
    await this.dataSource.getRepository(ReplyDraftEntity).delete({ userId: actor.id, ticketId });
  }
}
