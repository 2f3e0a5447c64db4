import { renderTemplate } from '@app/tickets';

/** What an acknowledgement's placeholders are filled with. */
export interface AckValues {
  mailboxId: string | null;
  customerName: string | null;
  customerEmail: string;
  ticketNumber: number;
  subject: string;
}

/** A mailbox's own acknowledgement text, as the query below returns it. */
export interface AckTemplateRow {
  id: string;
  ack_template: string;
  from_name: string | null;
  default_outbound: boolean;
}

/**
 * The acknowledgement texts of mailboxes that have their own template: those of the mailboxes in
 * the uuid[] parameter `ids`, and the default outbound mailbox's when `withDefault` (a boolean
 * parameter) is true. A query to embed, so the intake commit reads them in a statement it sends
 * anyway (PersistInboundService).
 */
export function ackTemplatesSql(ids: string, withDefault: string): string {
  return `SELECT id, ack_template, from_name, default_outbound FROM mailboxes
      WHERE ack_template IS NOT NULL AND btrim(ack_template) <> ''
        AND (id = ANY(${ids}::uuid[]) OR (${withDefault}::boolean AND default_outbound))`;
}

/** The parameters of ackTemplatesSql for the mailboxes of a batch's new tickets (null: the web form). */
export function ackTemplateParams(mailboxIds: Array<string | null>): [string[], boolean] {
  return [[...new Set(mailboxIds.filter((id): id is string => id !== null))], mailboxIds.includes(null)];
}

/**
 * By mailbox id; form and portal tickets (no mailbox) are answered by the default outbound
 * mailbox, so its template is theirs too (key null).
 */
export function ackTemplatesByMailbox(
  rows: AckTemplateRow[],
): Map<string | null, { template: string; fromName: string | null }> {
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
