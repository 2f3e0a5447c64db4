import { MessageEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

/**
 * A reply whose In-Reply-To or References names a stored message joins that message's ticket,
 * but only when the sender is that ticket's contact: a third party who copies headers gets a new
 * ticket, never access to someone else's thread.
 */
@Injectable()
export class ThreadByHeadersFilter implements IntakeFilter {
  readonly name = 'thread-by-headers';

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async run(ctx: IntakeContext): Promise<void> {
    const message = ctx.message;
    if (!message || !ctx.sender) return;
    const ids = [message.inReplyTo, ...message.references.slice().reverse()].filter((v): v is string => !!v);
    if (ids.length === 0) return;
    const rows = await this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .innerJoin('m.ticket', 't')
      .innerJoin('t.contact', 'c')
      .select(['m.ticketId AS ticket_id', 'm.messageIdHeader AS message_id', 'c.email AS email'])
      .where({ messageIdHeader: In(ids.slice(0, 50)) })
      .getRawMany<{ ticket_id: string; message_id: string; email: string | null }>();
    for (const id of ids) {
      const hit = rows.find((r) => r.message_id === id);
      if (hit && hit.email === ctx.sender.address) {
        ctx.thread = { ticketId: hit.ticket_id, reason: 'in-reply-to' };
        return;
      }
    }
  }
}
