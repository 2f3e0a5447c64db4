import type { AuditService } from '@app/audit';
import type { InboxFilterInput, StaffActor, TicketQueryService, TicketSummary } from '@app/tickets';
import type { Response } from 'express';
import { streamPagedCsv } from './paged-csv';

const COLUMNS = [
  'reference',
  'subject',
  'status',
  'priority',
  'channel',
  'created_at',
  'last_activity_at',
  'sla_breached',
];

function record(t: TicketSummary): unknown[] {
  return [
    t.reference,
    t.subject,
    t.status,
    t.priority,
    t.channel,
    t.createdAt,
    t.lastMessageAt,
    t.sla.firstResponseBreached || t.sla.resolutionBreached ? 'yes' : 'no',
  ];
}

/** Streams every ticket of a list the caller may see as CSV (keyset, 100 at a time), audited. */
export async function streamTicketCsv(options: {
  res: Response;
  filename: string;
  filter: InboxFilterInput;
  actor: StaffActor;
  tickets: TicketQueryService;
  audit: AuditService;
  action: string;
  target: { type: string; id: string };
}): Promise<void> {
  const { filter, actor, tickets } = options;
  await streamPagedCsv({
    ...options,
    columns: COLUMNS,
    page: async (cursor) => {
      const page = await tickets.list({ ...filter, limit: 100, cursor }, actor);
      return { rows: page.items.map(record), nextCursor: page.nextCursor };
    },
  });
}
