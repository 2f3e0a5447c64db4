// Customers and organisations (issue 11): pages, search, edits, merges.
import { get, patch, post, put } from '../shared/http';
import type { TicketSummary } from '../ticket/ticket.api';

export interface TicketCounts {
  total: number;
  open: number;
}

export interface CustomerSummary {
  id: string;
  name: string | null;
  email: string | null;
  company: string | null;
  organisation: { id: string; name: string } | null;
  tickets: TicketCounts;
}

export interface Customer extends CustomerSummary {
  emails: string[];
  website: string | null;
  phone: string | null;
  anonymised: boolean;
  createdAt: string;
  lastContactAt: string | null;
  consents: Array<{ purpose: string; granted: boolean; policyVersion: string; source: string; at: string }>;
}

export interface Organisation {
  id: string;
  name: string;
  domains: string[];
  customers: number;
  tickets: TicketCounts;
  members: CustomerSummary[];
}

export interface TicketPage {
  items: TicketSummary[];
  nextCursor: string | null;
}

const pageQuery = (status: string, cursor: string) => {
  const p = new URLSearchParams({ limit: '25' });
  if (status) p.set('status', status);
  if (cursor) p.set('cursor', cursor);
  return p.toString();
};

export const customersApi = {
  search: (q: string) => get<CustomerSummary[]>(`/api/contacts?q=${encodeURIComponent(q)}&limit=5`),
  get: (id: string) => get<Customer>(`/api/contacts/${id}`),
  tickets: (id: string, status: string, cursor: string) =>
    get<TicketPage>(`/api/contacts/${id}/tickets?${pageQuery(status, cursor)}`),
  edit: (id: string, change: Record<string, string>) => patch<{ requestId: string }>(`/api/contacts/${id}`, change),
  addresses: (id: string, change: { add?: string; remove?: string }) =>
    post<void>(`/api/contacts/${id}/addresses`, change),
  merge: (id: string, targetId: string) => post<{ tickets: number }>(`/api/contacts/${id}/merge`, { targetId }),
  setOrganisation: (id: string, organisationId: string | null) =>
    put<void>(`/api/contacts/${id}/organisation`, { organisationId }),
  organisations: (q = '') => get<Omit<Organisation, 'members'>[]>(`/api/organisations?q=${encodeURIComponent(q)}`),
  organisation: (id: string) => get<Organisation>(`/api/organisations/${id}`),
  organisationTickets: (id: string, status: string, cursor: string) =>
    get<TicketPage>(`/api/organisations/${id}/tickets?${pageQuery(status, cursor)}`),
  csvUrl: (kind: 'contacts' | 'organisations', id: string, status: string) =>
    `/api/${kind}/${id}/tickets.csv${status ? `?status=${encodeURIComponent(status)}` : ''}`,
  updateOrganisation: (id: string, change: { name?: string; domains?: string[] }) =>
    patch<Organisation>(`/api/organisations/${id}`, change),
};
