// One ticket: its conversation, history and properties, and what an agent does on it.
import { get, patch, post } from '../shared/http';

export interface Sla {
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  nextDueAt: string | null;
  firstResponseBreached: boolean;
  resolutionBreached: boolean;
}

export interface TicketSummary {
  id: string;
  reference: string;
  subject: string;
  status: string;
  priority: string;
  channel: string;
  contact: { id: string; name: string | null; email: string | null };
  assigneeId: string | null;
  groupId: string | null;
  mailboxId: string | null;
  tags: string[];
  mergedIntoId: string | null;
  createdAt: string;
  updatedAt: string;
  lastMessageAt: string;
  firstResponseAt: string | null;
  sla: Sla;
}

export interface Attachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  inline: boolean;
  available: boolean;
}

export interface Message {
  id: string;
  direction: 'in' | 'out';
  internal: boolean;
  authorContactId: string | null;
  authorUserId: string | null;
  bodyText: string;
  bodyHtml: string | null;
  deliveryStatus: 'queued' | 'sending' | 'sent' | 'failed' | null;
  deliveryError: string | null;
  createdAt: string;
  attachments: Attachment[];
}

export interface HistoryEvent {
  id: string;
  type: string;
  field: string | null;
  oldValue: string | null;
  newValue: string | null;
  actorType: string;
  actorId: string | null;
  createdAt: string;
}

export interface TicketDetail extends TicketSummary {
  mergedIntoReference: string | null;
  messages: Message[];
  history: HistoryEvent[];
}

export interface Viewer {
  userId: string;
  typing: boolean;
}

const base = (id: string) => `/api/tickets/${encodeURIComponent(id)}`;

export const ticketApi = {
  get: (id: string) => get<TicketDetail>(base(id)),
  update: (id: string, change: Record<string, unknown>) => patch(base(id), change),
  merge: (id: string, targetId: string) => post<{ targetId: string }>(`${base(id)}/merge`, { targetId }),
  reply: (id: string, body: string) => post(`${base(id)}/replies`, { body }),
  note: (id: string, body: string) => post(`${base(id)}/notes`, { body }),
  presence: (id: string) => get<{ viewers: Viewer[] }>(`${base(id)}/presence`),
  heartbeat: (id: string, state: { typing: boolean; leaving: boolean }) => post(`${base(id)}/presence`, state),
  cannedReplies: () => get<{ items: Array<{ id: string; title: string }> }>('/api/canned-replies'),
  renderCanned: (cannedId: string, ticketId: string) =>
    get<{ body: string }>(
      `/api/canned-replies/${encodeURIComponent(cannedId)}/render?ticketId=${encodeURIComponent(ticketId)}`,
    ),
};
