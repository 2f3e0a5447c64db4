import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { User } from '../shell/session.api';
import { errorText, when } from './Admin';
import { deskAdminApi, type PasswordLink, type Role, type StaffUser } from './desk-admin.api';

const ROLES: Role[] = ['agent', 'supervisor', 'admin'];

export function Users({ me }: { me: User }) {
  const canEdit = me.role === 'admin';
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ['admin', 'users'], queryFn: deskAdminApi.users });
  const [link, setLink] = useState<{ who: string; link: PasswordLink; purpose: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
  const update = useMutation({
    mutationFn: ({ id, ...input }: { id: string } & Partial<Pick<StaffUser, 'role' | 'active'>>) =>
      deskAdminApi.updateUser(id, input),
    onSuccess: refresh,
  });
  const reset = useMutation({
    mutationFn: (u: StaffUser) => deskAdminApi.resetPassword(u.id).then((l) => ({ u, l })),
    onSuccess: ({ u, l }) => setLink({ who: u.name, link: l, purpose: 'password reset' }),
  });
  const revoke = useMutation({
    mutationFn: (u: StaffUser) => deskAdminApi.revokeSessions(u.id).then((r) => ({ u, r })),
    onSuccess: ({ u, r }) => {
      setNotice(`${u.name}: ${r.sessionsEnded} session(s) ended.`);
      refresh();
    },
  });
  const resetTwoFactor = useMutation({
    mutationFn: (u: StaffUser) => deskAdminApi.resetTwoFactor(u.id).then(() => u),
    onSuccess: (u) => {
      setNotice(`${u.name} sets up two-factor sign-in again at their next sign-in.`);
      refresh();
    },
  });
  const failure = errorText(update.error ?? reset.error ?? revoke.error ?? resetTwoFactor.error);

  return (
    <section className="settings-section" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      {!canEdit && <p className="muted">Read-only: only admins change accounts.</p>}
      {canEdit && (
        <InviteForm
          onInvited={(u, l) => {
            setLink({ who: u.name, link: l, purpose: 'invitation' });
            refresh();
          }}
        />
      )}
      {link && <LinkBox {...link} onClose={() => setLink(null)} />}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      <div className="table-scroll">
        <table className="sla-table admin-table">
          <caption className="sr-only">Staff accounts</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Two-factor</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Sessions</th>
              {canEdit && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {(users.data ?? []).map((u) => (
              <tr key={u.id} className={u.active ? undefined : 'inactive'}>
                <td>
                  <strong>{u.name}</strong>
                  <br />
                  <span className="muted">{u.email}</span>
                </td>
                <td>
                  {canEdit ? (
                    <select
                      aria-label={`Role of ${u.name}`}
                      value={u.role}
                      onChange={(e) => update.mutate({ id: u.id, role: e.target.value as Role })}
                    >
                      {ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  ) : (
                    u.role
                  )}
                </td>
                <td>{u.active ? 'Active' : 'Disabled'}</td>
                <td>{u.twoFactor ? 'On' : 'Off'}</td>
                <td>{when(u.lastSignInAt)}</td>
                <td>{u.activeSessions}</td>
                {canEdit && (
                  <td className="settings-actions">
                    <button
                      type="button"
                      onClick={() => update.mutate({ id: u.id, active: !u.active })}
                      aria-label={`${u.active ? 'Disable' : 'Enable'} ${u.name}`}
                    >
                      {u.active ? 'Disable' : 'Enable'}
                    </button>
                    <button type="button" onClick={() => reset.mutate(u)} aria-label={`Reset password of ${u.name}`}>
                      Reset password
                    </button>
                    <button
                      type="button"
                      onClick={() => revoke.mutate(u)}
                      aria-label={`Sign out everywhere: ${u.name}`}
                    >
                      Sign out everywhere
                    </button>
                    {u.twoFactor && (
                      <button
                        type="button"
                        onClick={() =>
                          window.confirm(`Reset two-factor sign-in of ${u.name}?`) && resetTwoFactor.mutate(u)
                        }
                        aria-label={`Reset 2FA of ${u.name}`}
                      >
                        Reset 2FA
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function InviteForm({ onInvited }: { onInvited: (u: StaffUser, link: PasswordLink) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const invite = useMutation({
    mutationFn: () => deskAdminApi.invite({ email, name, role }),
    onSuccess: (r) => {
      setEmail('');
      setName('');
      onInvited(r.user, r.link);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate();
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="invite-title">
      <h3 id="invite-title">Invite a member of staff</h3>
      <label htmlFor="invite-name">Name</label>
      <input id="invite-name" required value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor="invite-email">Email</label>
      <input id="invite-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      <label htmlFor="invite-role">Role</label>
      <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
        {ROLES.map((r) => (
          <option key={r}>{r}</option>
        ))}
      </select>
      <button type="submit" className="primary" disabled={invite.isPending}>
        Invite
      </button>
      {invite.error && (
        <p className="error" role="alert">
          {errorText(invite.error)}
        </p>
      )}
    </form>
  );
}

function LinkBox({
  who,
  link,
  purpose,
  onClose,
}: {
  who: string;
  link: PasswordLink;
  purpose: string;
  onClose: () => void;
}) {
  const url = `${window.location.origin}${link.url}`;
  return (
    <div className="link-box" role="status">
      <p>
        One-time {purpose} link for <strong>{who}</strong>
        {link.mailQueued ? ' — emailed to them; if it does not arrive, give them this copy' : ' — send it to them'}. It
        works once, until {when(link.expiresAt)}:
      </p>
      <input readOnly aria-label={`${purpose} link`} value={url} onFocus={(e) => e.target.select()} />
      <button type="button" onClick={onClose}>
        Done
      </button>
    </div>
  );
}
