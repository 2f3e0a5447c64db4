// One ticket: its conversation, history and properties, and what an agent does on it.
import { ApiError, csrfToken, del, get, patch, post, put } from '../shared/http';

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
  /** Inbound: who was copied (offered for reply-all); outbound: who was copied. */
  cc: string[];
  bcc: string[];
  /** A forward's recipients; null for a reply to the customer. */
  to: string[] | null;
  sentAt: string | null;
  forwardedMessageId: string | null;
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

/** What the composer sends: plain text, or HTML (the server sanitises it and derives the text). */
export interface Composed {
  body?: string;
  html?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  attachmentIds?: string[];
}

export interface Upload {
  id: string;
  filename: string;
  contentType: string;
  size: number;
}

export interface UploadLimits {
  maxFiles: number;
  maxBytes: number;
  smtpConfigured: boolean;
}

/** The composer's saved state (per user and ticket, on the server). */
export interface Draft {
  mode?: 'reply' | 'note' | 'forward';
  body?: string;
  html?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  attachments?: Upload[];
  /** A forward's draft: the message it forwards. */
  forwardOf?: string | null;
}

export interface ContactHit {
  id: string;
  name: string | null;
  email: string | null;
  company: string | null;
}

export interface NewTicketInput extends Composed {
  kind: 'phone' | 'email';
  contactId?: string;
  contact?: { name: string; email: string };
  subject: string;
  priority: string;
  groupId: string | null;
  tags: string[];
}

const base = (id: string) => `/api/tickets/${encodeURIComponent(id)}`;

export const ticketApi = {
  get: (id: string) => get<TicketDetail>(base(id)),
  update: (id: string, change: Record<string, unknown>) => patch(base(id), change),
  merge: (id: string, targetId: string) => post<{ targetId: string }>(`${base(id)}/merge`, { targetId }),
  reply: (id: string, message: Composed) => post(`${base(id)}/replies`, message),
  note: (id: string, message: Composed) => post(`${base(id)}/notes`, message),
  forward: (id: string, messageId: string, message: Composed) =>
    post(`${base(id)}/messages/${encodeURIComponent(messageId)}/forward`, message),
  retry: (id: string, messageId: string) => post(`${base(id)}/messages/${encodeURIComponent(messageId)}/retry`),
  draft: (id: string) => get<{ content: Draft | null }>(`${base(id)}/draft`),
  saveDraft: (id: string, draft: Draft) => put(`${base(id)}/draft`, draft),
  discardDraft: (id: string) => del(`${base(id)}/draft`),
  uploadLimits: () => get<UploadLimits>('/api/uploads/limits'),
  upload: (files: File[]) => uploadFiles(files),
  removeUpload: (uploadId: string) => del(`/api/uploads/${encodeURIComponent(uploadId)}`),
  create: (input: NewTicketInput) =>
    post<{ ticketId: string; reference: string; messageId: string }>('/api/tickets', input),
  searchContacts: (q: string) => get<ContactHit[]>(`/api/contacts?q=${encodeURIComponent(q)}&limit=8`),
  presence: (id: string) => get<{ viewers: Viewer[] }>(`${base(id)}/presence`),
  heartbeat: (id: string, state: { typing: boolean; leaving: boolean }) => post(`${base(id)}/presence`, state),
  cannedReplies: () => get<{ items: Array<{ id: string; title: string }> }>('/api/canned-replies'),
  renderCanned: (cannedId: string, ticketId: string) =>
    get<{ body: string }>(
      `/api/canned-replies/${encodeURIComponent(cannedId)}/render?ticketId=${encodeURIComponent(ticketId)}`,
    ),
};

/** Multipart upload (the JSON helper cannot send files); errors read like the other API errors. */
async function uploadFiles(files: File[]): Promise<{ uploads: Upload[] }> {
  const form = new FormData();
  for (const f of files) form.append('files', f, f.name);
  const res = await fetch('/api/uploads', {
    method: 'POST',
    headers: { accept: 'application/json', 'x-csrf-token': csrfToken() },
    credentials: 'same-origin',
    body: form,
  });
  if (!res.ok) {
    const data = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
    const message =
      res.status === 413
        ? 'The file is larger than the server accepts'
        : (data.message ?? `Upload failed (${res.status})`);
    throw new ApiError(res.status, data.error ?? 'http_error', message);
  }
  return (await res.json()) as { uploads: Upload[] };
}
