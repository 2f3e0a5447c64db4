// The inbox: views with counts, the ticket list (keyset pages) and bulk changes.
import { get, post } from '../shared/http';
import type { TicketSummary } from '../ticket/ticket.api';

export interface Page {
  items: TicketSummary[];
  nextCursor: string | null;
}

export const inboxApi = {
  views: <V extends string>() => get<{ counts: Record<V, number>; cap: number }>('/api/views'),
  list: (params: string, cursor: string) =>
    get<Page>(`/api/tickets?${params}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
  bulk: (ticketIds: string[], change: Record<string, unknown>) =>
    post<{ updated: string[]; notFound: string[] }>('/api/tickets/bulk', { ticketIds, change }),
};
