import type { NotificationKind } from './notification-kind';

export interface NotificationTicket {
  id: string;
  reference: string;
  subject: string;
  /** The SLA target's due time, for the SLA kinds. */
  dueAt: Date | null;
}

export interface NotificationText {
  subject: string;
  text: string;
}

/**
 * The mail an agent gets. No `[T-…]` in the subject (a subject reference could thread a forwarded
 * copy into the ticket) and no customer address or message text in the body: the reference, the
 * subject and a link to the ticket are enough to act on.
 */
export function renderNotification(
  kind: NotificationKind,
  ticket: NotificationTicket,
  publicUrl: string,
  now: Date = new Date(),
): NotificationText {
  const subject = oneLine(ticket.subject) || '(no subject)';
  const link = `${publicUrl.replace(/\/+$/, '')}/tickets/${ticket.id}`;
  const minutes = ticket.dueAt ? Math.max(0, Math.round((ticket.dueAt.getTime() - now.getTime()) / 60_000)) : 0;
  const due = ticket.dueAt ? `${ticket.dueAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
  let headline: string;
  let line: string;
  switch (kind) {
    case 'assigned':
      headline = `Assigned to you: ${subject} (${ticket.reference})`;
      line = `Ticket ${ticket.reference} was assigned to you.`;
      break;
    case 'customer_replied':
      headline = `Customer replied: ${subject} (${ticket.reference})`;
      line = `The customer replied on your ticket ${ticket.reference}.`;
      break;
    case 'sla_first_response':
      headline = `First response due in ${minutes} min: ${subject} (${ticket.reference})`;
      line = `The first response on your ticket ${ticket.reference} is due at ${due}.`;
      break;
    case 'sla_resolution':
      headline = `Resolution due in ${minutes} min: ${subject} (${ticket.reference})`;
      line = `Your ticket ${ticket.reference} is due to be resolved at ${due}.`;
      break;
  }
  return {
    subject: headline.slice(0, 250),
    text: [
      line,
      `Subject: ${subject}`,
      '',
      `Open it: ${link}`,
      '',
      '-- ',
      `This is an automatic notification. Choose which ones you get: ${publicUrl.replace(/\/+$/, '')}/account`,
    ].join('\n'),
  };
}

function oneLine(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
      .replace(/\s*\[T-\d+\]\s*/gi, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
      .slice(0, 200)
  );
}
