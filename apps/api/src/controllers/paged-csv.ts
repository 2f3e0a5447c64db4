import type { AuditService } from '@app/audit';
import { userActor } from '@app/audit';
import type { StaffActor } from '@app/tickets';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';

/**
 * Streams a keyset-paged list as CSV, page by page, and records the export in the audit log (the
 * filter's ids and the row count only). Every page comes from the same service call the screen
 * uses, so nothing the caller could not already see is written.
 */
export async function streamPagedCsv(options: {
  res: Response;
  filename: string;
  columns: string[];
  page: (cursor: string | undefined) => Promise<{ rows: unknown[][]; nextCursor: string | null }>;
  actor: StaffActor;
  audit: AuditService;
  action: string;
  target: { type: string; id: string | null };
  details?: Record<string, unknown>;
}): Promise<void> {
  const { res } = options;
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${options.filename}"`);
  const csv = stringify({ header: true, columns: options.columns });
  csv.pipe(res);
  let cursor: string | undefined;
  let rows = 0;
  do {
    const page = await options.page(cursor);
    for (const row of page.rows) csv.write(row);
    rows += page.rows.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  // Recorded before the response ends, so a finished download always has its audit entry.
  await options.audit.record({
    actor: userActor(options.actor.id),
    action: options.action,
    target: options.target,
    details: { ...options.details, rows },
  });
  csv.end();
}
