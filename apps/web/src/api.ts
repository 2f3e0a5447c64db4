// The one way the web app talks to the server: same-origin fetch with the session cookie, the CSRF
// token echoed on every change, and a 401 anywhere sending the agent back to sign-in.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Listener = () => void;
const unauthenticatedListeners = new Set<Listener>();

/** Called when any request answers 401 (session expired or signed out elsewhere). */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

function csrfToken(): string {
  const match = /(?:^|;\s*)intake_csrf=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1] ?? '') : '';
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401 && path !== '/api/auth/login') unauthenticatedListeners.forEach((l) => l());
  if (!res.ok) {
    const data = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
    throw new ApiError(res.status, data.error ?? 'http_error', data.message ?? `Request failed (${res.status})`);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body);
export const put = <T>(path: string, body: unknown) => request<T>('PUT', path, body);
export const del = <T>(path: string) => request<T>('DELETE', path);

export interface User {
  id: string;
  email: string;
  name: string;
  role: 'agent' | 'supervisor' | 'admin';
}

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

export interface Page {
  items: TicketSummary[];
  nextCursor: string | null;
}

export interface Named {
  id: string;
  name: string;
}
