import { ApiError } from '../shared/http';
import { navigate } from '../shared/router';
import type { User } from '../shell/session.api';
import { AuditLog } from './AuditLog';
import { DeskSettingsSection } from './DeskSettingsSection';
import { Groups } from './Groups';
import { Mailboxes } from './Mailboxes';
import { Outbound } from './Outbound';
import { Privacy } from './Privacy';
import { Users } from './Users';

// Running the desk from the browser. Admins change things; supervisors see users, groups, the
// retention rules and policy versions, and the audit log read-only. The server checks every role again: hiding a button is not the protection.

const SECTIONS = [
  { id: 'users', label: 'Users', supervisor: true },
  { id: 'groups', label: 'Groups', supervisor: true },
  { id: 'mailboxes', label: 'Mailboxes', supervisor: false },
  { id: 'outbound', label: 'Outbound mail', supervisor: false },
  { id: 'desk', label: 'Desk & security', supervisor: false },
  { id: 'privacy', label: 'Privacy', supervisor: true },
  { id: 'audit', label: 'Audit log', supervisor: true },
] as const;

export function Admin({ me, section }: { me: User; section: string }) {
  const isAdmin = me.role === 'admin';
  const visible = SECTIONS.filter((s) => isAdmin || s.supervisor);
  const current = visible.find((s) => s.id === section) ?? visible[0];
  return (
    <main className="settings admin" aria-labelledby="admin-title">
      <header className="settings-head">
        <h1 id="admin-title">Admin</h1>
        <nav aria-label="Admin sections" className="admin-tabs">
          {visible.map((s) => (
            <a
              key={s.id}
              href={`/admin/${s.id}`}
              aria-current={s.id === current?.id ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                navigate(`/admin/${s.id}`);
              }}
            >
              {s.label}
            </a>
          ))}
          {isAdmin && <a href="/admin/queues">Queues ↗</a>}
        </nav>
      </header>
      {current?.id === 'users' && <Users me={me} />}
      {current?.id === 'groups' && <Groups canEdit={isAdmin} />}
      {current?.id === 'mailboxes' && <Mailboxes />}
      {current?.id === 'outbound' && <Outbound />}
      {current?.id === 'desk' && <DeskSettingsSection />}
      {current?.id === 'privacy' && <Privacy canEdit={isAdmin} />}
      {current?.id === 'audit' && <AuditLog />}
    </main>
  );
}

/** A date-time in the reader's locale, or a dash. */
export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** An API error's message with the server's word on each invalid field, for role="alert" lines. */
export function errorText(error: unknown, labels: Record<string, string> = {}): string | null {
  if (!error) return null;
  if (!(error instanceof Error)) return 'Something went wrong';
  const fields = error instanceof ApiError ? Object.entries(error.fields) : [];
  if (fields.length === 0) return error.message;
  return `${error.message}: ${fields.map(([k, v]) => `${labels[k] ?? k}: ${v}`).join('; ')}`;
}
