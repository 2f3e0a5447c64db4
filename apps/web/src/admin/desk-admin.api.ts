// The admin screens' client: users, groups, audit log, desk settings, mailboxes, quarantine, outbound mail.
import { del, get, patch, post, put } from '../shared/http';

export type Role = 'agent' | 'supervisor' | 'admin';

export interface StaffUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  twoFactor: boolean;
  lastSignInAt: string | null;
  activeSessions: number;
  createdAt: string;
}

export interface PasswordLink {
  url: string;
  expiresAt: string;
  /** Also on its way to the user by email. */
  mailQueued: boolean;
}

export interface Group {
  id: string;
  name: string;
  members: Array<{ id: string; name: string }>;
  tickets: number;
  mailboxes: number;
}

export interface AuditEntry {
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  ip: string | null;
  changes: Record<string, { before: unknown; after: unknown }> | null;
  details: Record<string, unknown> | null;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
}

export interface DeskSettings {
  deskName: string;
  publicUrl: string;
  senderAddress: string;
  twoFactorRoles: Role[];
}

export interface Mailbox {
  id: string;
  name: string;
  address: string;
  host: string;
  port: number;
  tls: boolean;
  tlsRejectUnauthorized: boolean;
  username: string;
  folder: string;
  afterAction: 'move' | 'expunge' | 'flag_seen';
  processedFolder: string;
  quarantineFolder: string;
  enabled: boolean;
  groupId: string | null;
  fromName: string | null;
  replyTo: string | null;
  signature: string | null;
  ackTemplate: string | null;
  smtpConfigured: boolean;
  /** `oauth2`: signed in with OAuth2 (XOAUTH2); it sends through smtpHost with its access token. */
  authMethod: 'login' | 'oauth2';
  oauthProvider: string | null;
  smtpHost: string | null;
  smtpPort: number | null;
  smtpTls: boolean;
  /** Web-form tickets are answered from this mailbox. */
  defaultOutbound: boolean;
  status: {
    connected: boolean;
    lastFetchAt: string | null;
    backlog: number;
    quarantined: number;
    lastError: string | null;
  } | null;
}

/** A quarantined message: codes and sizes, never its content. */
export interface Quarantined {
  id: string;
  kind: string;
  mailboxId: string | null;
  reason: string | null;
  size: number;
  attempts: number;
  hasBytes: boolean;
  quarantinedAt: string | null;
}

export type QuarantineOutcome =
  'moved_back' | 'in_intake_folder' | 'from_stored_bytes' | 'expunged' | 'no_server_copy' | 'queued';

export type MailboxTest =
  { ok: true; probe: { folders?: string[]; exists?: number; [key: string]: unknown } } | { ok: false; error: string };

export interface OutboundStatus {
  configured: boolean;
  server: string | null;
  from: string;
  queued: number;
  failed: number;
  lastError: string | null;
  lastErrorAt: string | null;
}

export function auditQuery(filter: AuditFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra })) if (v) params.set(k, v);
  const q = params.toString();
  return q ? `?${q}` : '';
}

export const deskAdminApi = {
  users: () => get<{ items: StaffUser[] }>('/api/admin/users').then((r) => r.items),
  invite: (input: { email: string; name: string; role: Role }) =>
    post<{ user: StaffUser; link: PasswordLink }>('/api/admin/users', input),
  updateUser: (id: string, input: Partial<Pick<StaffUser, 'name' | 'role' | 'active'>>) =>
    patch<StaffUser>(`/api/admin/users/${id}`, input),
  resetPassword: (id: string) => post<PasswordLink>(`/api/admin/users/${id}/reset-password`),
  revokeSessions: (id: string) => post<{ sessionsEnded: number }>(`/api/admin/users/${id}/revoke-sessions`),
  resetTwoFactor: (id: string) => del(`/api/admin/users/${id}/2fa`),

  groups: () => get<{ items: Group[] }>('/api/admin/groups').then((r) => r.items),
  createGroup: (name: string) => post<Group>('/api/admin/groups', { name }),
  renameGroup: (id: string, name: string) => patch<Group>(`/api/admin/groups/${id}`, { name }),
  setMembers: (id: string, userIds: string[]) => put<Group>(`/api/admin/groups/${id}/members`, { userIds }),
  deleteGroup: (id: string, reassignTo?: string) =>
    del(`/api/admin/groups/${id}${reassignTo ? `?reassignTo=${encodeURIComponent(reassignTo)}` : ''}`),

  audit: (filter: AuditFilter, before?: string) =>
    get<{ items: AuditEntry[]; nextBefore: string | null }>(
      `/api/admin/audit${auditQuery(filter, before ? { before } : {})}`,
    ),
  auditActions: () => get<{ items: string[] }>('/api/admin/audit/actions').then((r) => r.items),

  settings: () => get<DeskSettings>('/api/admin/settings'),
  saveSettings: (input: Partial<DeskSettings>) => put<DeskSettings>('/api/admin/settings', input),

  mailboxes: () => get<Mailbox[]>('/api/admin/mailboxes'),
  createMailbox: (input: Record<string, unknown>) => post<Mailbox>('/api/admin/mailboxes', input),
  updateMailbox: (id: string, input: Record<string, unknown>) => patch<Mailbox>(`/api/admin/mailboxes/${id}`, input),
  testMailbox: (id: string) => post<MailboxTest>(`/api/admin/mailboxes/${id}/test`),
  quarantine: (mailboxId: string) =>
    get<{ items: Quarantined[] }>(`/api/admin/quarantine?mailboxId=${encodeURIComponent(mailboxId)}`).then(
      (r) => r.items,
    ),
  quarantineAction: (id: string, action: 'replay' | 'delete') =>
    post<{ outcome: QuarantineOutcome }>(`/api/admin/quarantine/${id}/${action}`),

  outbound: () => get<OutboundStatus>('/api/admin/outbound'),
  sendTestEmail: (to: string) => post<{ sent: boolean; response: string }>('/api/admin/outbound/test', { to }),
};
