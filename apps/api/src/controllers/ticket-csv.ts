import type { AuditService } from '@app/audit';
import { userActor } from '@app/audit';
import type { InboxFilterInput, StaffActor, TicketQueryService, TicketSummary } from '@app/tickets';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';

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

/**
 * Streams every ticket of a list the caller may see as CSV, page by page (keyset, 100 at a time),
 * and records the export in the audit log (ids and counts only). Nothing the caller could not
 * already open in the web app is written.
 */
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
  const { res, actor } = options;
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${options.filename}"`);
  const csv = stringify({ header: true, columns: COLUMNS });
  csv.pipe(res);
  let cursor: string | undefined;
  let rows = 0;
  do {
    const page = await options.tickets.list({ ...options.filter, limit: 100, cursor }, actor);
    for (const t of page.items) csv.write(record(t));
    rows += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  // Recorded before the response ends, so a finished download always has its audit entry.
  await options.audit.record({
    actor: userActor(actor.id),
    action: options.action,
    target: options.target,
    details: { rows },
  });
  csv.end();
}
