import { renderTemplate } from '@app/tickets';
import type { EntityManager } from 'typeorm';

/** What an acknowledgement's placeholders are filled with. */
export interface AckValues {
  mailboxId: string | null;
  customerName: string | null;
  customerEmail: string;
  ticketNumber: number;
  subject: string;
}

/**
 * The acknowledgement texts of mailboxes that have their own template, by mailbox id; form and
 * portal tickets (no mailbox) are answered by the default outbound mailbox, so its template is
 * theirs too (key null). One query for a whole batch.
 */
export async function ackTemplates(
  m: EntityManager,
  mailboxIds: Array<string | null>,
): Promise<Map<string | null, { template: string; fromName: string | null }>> {
  const ids = [...new Set(mailboxIds.filter((id): id is string => id !== null))];
  const rows = await m.query<
    Array<{ id: string; ack_template: string; from_name: string | null; default_outbound: boolean }>
  >(
    `SELECT id, ack_template, from_name, default_outbound FROM mailboxes
      WHERE ack_template IS NOT NULL AND btrim(ack_template) <> ''
        AND (id = ANY($1::uuid[]) OR ($2 AND default_outbound))`,
    [ids, mailboxIds.includes(null)],
  );
  const byId = new Map<string | null, { template: string; fromName: string | null }>();
  for (const row of rows) {
    const entry = { template: row.ack_template, fromName: row.from_name };
    byId.set(row.id, entry);
    if (row.default_outbound) byId.set(null, entry);
  }
  return byId;
}

/** The mailbox's acknowledgement with its placeholders filled (`agent.name` is the mailbox's From name). */
export function renderAck(
  entry: { template: string; fromName: string | null },
  values: AckValues,
  deskName: string,
): string {
  return renderTemplate(entry.template, {
    'customer.name': values.customerName ?? values.customerEmail,
    'customer.email': values.customerEmail,
    'ticket.reference': `T-${values.ticketNumber}`,
    'ticket.subject': values.subject,
    'agent.name': entry.fromName ?? deskName,
  });
}
