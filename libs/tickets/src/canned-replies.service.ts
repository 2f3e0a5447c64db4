import { AuditService, CLI_ACTOR, userActor } from '@app/audit';
import { isUuid } from '@app/common';
import { CannedReplyEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import type { StaffActor } from './actor';
import { placeholderError, renderTemplate, unknownPlaceholders } from './canned-reply-template';
import { TicketQueryService } from './ticket-query.service';
import { TicketError } from './ticket.error';

const cannedReplySchema = z.object({
  title: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(20_000),
});

export interface CannedReplyView {
  id: string;
  title: string;
  body: string;
  updatedAt: string;
}

@Injectable()
export class CannedRepliesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tickets: TicketQueryService,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<CannedReplyView[]> {
    const rows = await this.dataSource.getRepository(CannedReplyEntity).find({ order: { title: 'ASC' } });
    return rows.map(view);
  }

  async create(actor: StaffActor, input: unknown): Promise<CannedReplyView> {
    const data = parse(input);
    const repo = this.dataSource.getRepository(CannedReplyEntity);
    if (await repo.exists({ where: { title: data.title } }))
      throw new TicketError('canned_reply_exists', 'A canned reply with that title exists');
    const saved = await repo.save(repo.create({ ...data, createdById: actor.id }));
    await this.audit.record({
      actor: userActor(actor.id),
      action: 'canned_reply.created',
      target: { type: 'canned_reply', id: saved.id },
      changes: { title: { before: null, after: saved.title } },
    });
    return view(saved);
  }

  async update(id: string, input: unknown, actor?: StaffActor): Promise<CannedReplyView> {
    const data = parse(input);
    const repo = this.dataSource.getRepository(CannedReplyEntity);
    const row = isUuid(id) ? await repo.findOne({ where: { id } }) : null;
    if (!row) throw new TicketError('canned_reply_not_found', 'No such canned reply');
    const clash = await repo.findOne({ where: { title: data.title } });
    if (clash && clash.id !== id) throw new TicketError('canned_reply_exists', 'A canned reply with that title exists');
    const saved = await repo.save({ ...row, ...data });
    await this.audit.record({
      actor: actor ? userActor(actor.id) : CLI_ACTOR,
      action: 'canned_reply.updated',
      target: { type: 'canned_reply', id: row.id },
      // The body is desk text, not a secret, but long: the entry says whether it changed.
      changes: row.title !== data.title ? { title: { before: row.title, after: data.title } } : undefined,
      details: { bodyChanged: row.body !== data.body },
    });
    return view(saved);
  }

  async remove(id: string, actor?: StaffActor): Promise<void> {
    const row = isUuid(id) ? await this.dataSource.getRepository(CannedReplyEntity).findOne({ where: { id } }) : null;
    const result = row ? await this.dataSource.getRepository(CannedReplyEntity).delete({ id }) : null;
    if (!row || !result?.affected) throw new TicketError('canned_reply_not_found', 'No such canned reply');
    await this.audit.record({
      actor: actor ? userActor(actor.id) : CLI_ACTOR,
      action: 'canned_reply.deleted',
      target: { type: 'canned_reply', id: row.id },
      changes: { title: { before: row.title, after: null } },
    });
  }

  /** The reply's text with placeholders filled for one ticket the caller may see. */
  async render(actor: StaffActor, id: string, ticketId: string): Promise<{ body: string }> {
    const reply = isUuid(id) ? await this.dataSource.getRepository(CannedReplyEntity).findOne({ where: { id } }) : null;
    if (!reply) throw new TicketError('canned_reply_not_found', 'No such canned reply');
    const ticket = await this.tickets.get(ticketId, actor);
    return {
      body: renderTemplate(reply.body, {
        'customer.name': ticket.contact.name ?? '',
        'customer.email': ticket.contact.email ?? '',
        'ticket.reference': ticket.reference,
        'ticket.subject': ticket.subject,
        'agent.name': actor.name,
      }),
    };
  }
}

function parse(input: unknown): z.output<typeof cannedReplySchema> {
  const parsed = cannedReplySchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TicketError(
      'invalid_ticket_change',
      `${issue?.path.join('.') || 'canned reply'} ${issue?.message ?? ''}`,
    );
  }
  // Unknown placeholders would be sent literally (issue 14): refused, with the known ones listed.
  const unknown = unknownPlaceholders(parsed.data.body);
  if (unknown.length > 0) throw new TicketError('invalid_ticket_change', placeholderError(unknown));
  return parsed.data;
}

function view(row: CannedReplyEntity): CannedReplyView {
  return { id: row.id, title: row.title, body: row.body, updatedAt: row.updatedAt.toISOString() };
}
