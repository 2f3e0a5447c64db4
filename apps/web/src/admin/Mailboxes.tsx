import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorText, when } from './Admin';
import { adminApi } from './admin.api';
import { deskAdminApi, type Mailbox, type MailboxTest } from './desk-admin.api';
import { MailboxQuarantine } from './MailboxQuarantine';

/** Field names in the server's messages, as the form labels them. */
const LABELS: Record<string, string> = {
  fromName: 'From name',
  replyTo: 'Reply-To',
  signature: 'Signature',
  ackTemplate: 'Acknowledgement',
  smtpUrl: 'SMTP server URL',
  smtpHost: 'Outgoing server',
  smtpPort: 'Outgoing port',
};

export function Mailboxes() {
  const queryClient = useQueryClient();
  const mailboxes = useQuery({ queryKey: ['admin', 'mailboxes'], queryFn: deskAdminApi.mailboxes });
  const groups = useQuery({ queryKey: ['admin', 'groups'], queryFn: deskAdminApi.groups });
  const [editing, setEditing] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['admin', 'mailboxes'] });
  return (
    <section className="settings-section" aria-labelledby="mailboxes-title">
      <h2 id="mailboxes-title">Mailboxes</h2>
      <p className="muted">IMAP mailboxes the desk reads. Passwords are stored encrypted and never shown again.</p>
      {editing === 'new' ? (
        <MailboxForm
          groups={groups.data ?? []}
          onDone={() => {
            setEditing(null);
            refresh();
          }}
        />
      ) : (
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          Add mailbox
        </button>
      )}
      <ul className="settings-list" aria-label="Mailboxes">
        {(mailboxes.data ?? []).map((m) =>
          editing === m.id ? (
            <li key={m.id}>
              <MailboxForm
                mailbox={m}
                groups={groups.data ?? []}
                onDone={() => {
                  setEditing(null);
                  refresh();
                }}
              />
            </li>
          ) : (
            <MailboxItem
              key={m.id}
              mailbox={m}
              groupName={groups.data?.find((g) => g.id === m.groupId)?.name ?? 'No group'}
              onEdit={() => setEditing(m.id)}
              onChanged={refresh}
            />
          ),
        )}
      </ul>
      <NoMailboxQuarantine />
    </section>
  );
}

/** What arrived on no mailbox (web form, portal replies) and was quarantined: the same list and actions. */
function NoMailboxQuarantine() {
  const [open, setOpen] = useState(false);
  return (
    <div>
      <p>
        <strong>Web form and portal</strong> <span className="muted">requests that arrived on no mailbox</span>{' '}
        <button type="button" onClick={() => setOpen((v) => !v)} aria-expanded={open}>
          Quarantine
        </button>
      </p>
      {open && <MailboxQuarantine mailboxId="none" mailboxName="the web form and portal" />}
    </div>
  );
}

function MailboxItem({
  mailbox: m,
  groupName,
  onEdit,
  onChanged,
}: {
  mailbox: Mailbox;
  groupName: string;
  onEdit: () => void;
  onChanged: () => void;
}) {
  const [result, setResult] = useState<MailboxTest | null>(null);
  const [showQuarantine, setShowQuarantine] = useState(false);
  const test = useMutation({ mutationFn: () => deskAdminApi.testMailbox(m.id), onSuccess: setResult });
  const toggle = useMutation({
    mutationFn: () => deskAdminApi.updateMailbox(m.id, { enabled: !m.enabled }),
    onSuccess: onChanged,
  });
  const s = m.status;
  return (
    <li>
      <div className="settings-item">
        <div>
          <strong>{m.name}</strong> <span className="muted">{m.address}</span>
          <p className="muted">
            {m.username} @ {m.host}:{m.port} · folder {m.folder} · new tickets to <strong>{groupName}</strong>
          </p>
          <p>
            {m.enabled ? (s?.connected ? 'Connected' : 'Not connected') : 'Disabled'} · last fetch{' '}
            {when(s?.lastFetchAt ?? null)} · backlog {s?.backlog ?? 0} · quarantined {s?.quarantined ?? 0}
          </p>
          {s?.lastError && <p className="error">Last error: {s.lastError}</p>}
          {result && (
            <p className={result.ok ? 'notice' : 'error'} role={result.ok ? 'status' : 'alert'}>
              {result.ok
                ? `Connection works: ${typeof result.probe.exists === 'number' ? `${result.probe.exists} messages in ${m.folder}` : 'signed in'}.`
                : `The server answered: ${result.error}`}
            </p>
          )}
          {(test.error ?? toggle.error) && (
            <p className="error" role="alert">
              {errorText(test.error ?? toggle.error)}
            </p>
          )}
          <p className="muted">
            Answers as {m.fromName ?? 'the desk name'} &lt;{m.address}&gt;
            {m.replyTo ? ` · replies to ${m.replyTo}` : ''} · acknowledgement: {m.ackTemplate ? 'its own' : 'built-in'}{' '}
            · SMTP: {m.smtpConfigured ? 'its own server' : 'the desk’s'}
            {m.defaultOutbound ? ' · answers web-form requests' : ''}
          </p>
        </div>
        <div className="settings-actions">
          <button
            type="button"
            onClick={() => test.mutate()}
            disabled={test.isPending}
            aria-label={`Test connection: ${m.name}`}
          >
            {test.isPending ? 'Testing…' : 'Test connection'}
          </button>
          <button
            type="button"
            onClick={() => setShowQuarantine((v) => !v)}
            aria-expanded={showQuarantine}
            aria-label={`Quarantine of ${m.name} (${s?.quarantined ?? 0})`}
          >
            Quarantine ({s?.quarantined ?? 0})
          </button>
          <button type="button" onClick={onEdit} aria-label={`Edit ${m.name}`}>
            Edit
          </button>
          <button
            type="button"
            onClick={() => toggle.mutate()}
            aria-label={`${m.enabled ? 'Disable' : 'Enable'} ${m.name}`}
          >
            {m.enabled ? 'Disable' : 'Enable'}
          </button>
        </div>
      </div>
      {showQuarantine && <MailboxQuarantine mailboxId={m.id} mailboxName={m.name} />}
    </li>
  );
}

function MailboxForm({
  mailbox,
  groups,
  onDone,
}: {
  mailbox?: Mailbox;
  groups: Array<{ id: string; name: string }>;
  onDone: () => void;
}) {
  const [f, setF] = useState({
    name: mailbox?.name ?? '',
    address: mailbox?.address ?? '',
    host: mailbox?.host ?? '',
    port: String(mailbox?.port ?? 993),
    tls: mailbox?.tls ?? true,
    username: mailbox?.username ?? '',
    password: '',
    folder: mailbox?.folder ?? 'INBOX',
    groupId: mailbox?.groupId ?? '',
    fromName: mailbox?.fromName ?? '',
    replyTo: mailbox?.replyTo ?? '',
    signature: mailbox?.signature ?? '',
    ackTemplate: mailbox?.ackTemplate ?? '',
    smtpUrl: '',
    removeSmtp: false,
    smtpHost: mailbox?.smtpHost ?? '',
    smtpPort: String(mailbox?.smtpPort ?? ''),
    smtpTls: mailbox?.smtpTls ?? true,
    defaultOutbound: mailbox?.defaultOutbound ?? false,
  });
  const oauth = mailbox?.authMethod === 'oauth2';
  const save = useMutation({
    mutationFn: () => {
      const body: Record<string, unknown> = {
        name: f.name,
        address: f.address,
        host: f.host,
        port: Number(f.port),
        tls: f.tls,
        username: f.username,
        folder: f.folder,
        groupId: f.groupId || null,
        // Empty identity fields clear them (the desk's defaults apply).
        fromName: f.fromName,
        replyTo: f.replyTo,
        signature: f.signature,
        ackTemplate: f.ackTemplate,
        defaultOutbound: f.defaultOutbound,
      };
      if (f.password) body.password = f.password;
      // Signed in with OAuth2: its own outgoing server (an empty host goes back to the provider's).
      if (oauth) {
        body.smtpHost = f.smtpHost;
        if (f.smtpHost.trim() && f.smtpPort) body.smtpPort = Number(f.smtpPort);
        if (f.smtpHost.trim()) body.smtpTls = f.smtpTls;
      }
      // The SMTP URL holds a password: never shown again; empty keeps it, "remove" clears it.
      if (f.smtpUrl) body.smtpUrl = f.smtpUrl;
      else if (f.removeSmtp) body.smtpUrl = null;
      return mailbox ? deskAdminApi.updateMailbox(mailbox.id, body) : deskAdminApi.createMailbox(body);
    },
    onSuccess: onDone,
  });
  // The server's list (the same the canned replies use), so the hint never drifts from the check.
  const placeholders = useQuery({
    queryKey: ['admin', 'placeholders'],
    queryFn: () => adminApi.cannedReplies().then((r) => r.placeholders),
  });
  const optional = new Set<keyof typeof f>(['fromName', 'replyTo', 'smtpUrl', 'smtpHost', 'smtpPort']);
  const field = (key: keyof typeof f, label: string, type = 'text') => (
    <>
      <label htmlFor={`mb-${key}`}>{label}</label>
      <input
        id={`mb-${key}`}
        type={type}
        value={String(f[key])}
        required={!optional.has(key) && (key !== 'password' || !mailbox)}
        autoComplete={type === 'password' ? 'new-password' : 'off'}
        onChange={(e) => setF((s) => ({ ...s, [key]: e.target.value }))}
      />
    </>
  );
  const textarea = (key: 'signature' | 'ackTemplate', label: string) => (
    <>
      <label htmlFor={`mb-${key}`}>{label}</label>
      <textarea
        id={`mb-${key}`}
        rows={key === 'ackTemplate' ? 6 : 3}
        value={f[key]}
        aria-describedby="mb-placeholders"
        onChange={(e) => setF((s) => ({ ...s, [key]: e.target.value }))}
      />
    </>
  );
  const checkbox = (key: 'defaultOutbound' | 'smtpTls' | 'removeSmtp', label: string) => (
    <label>
      <input type="checkbox" checked={f[key]} onChange={(e) => setF((s) => ({ ...s, [key]: e.target.checked }))} />{' '}
      {label}
    </label>
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <form className="settings-form" onSubmit={submit} aria-label={mailbox ? `Edit ${mailbox.name}` : 'Add mailbox'}>
      {field('name', 'Name')}
      {field('address', 'Support address', 'email')}
      {field('host', 'IMAP server')}
      {field('port', 'Port', 'number')}
      <label>
        <input type="checkbox" checked={f.tls} onChange={(e) => setF((s) => ({ ...s, tls: e.target.checked }))} /> TLS
      </label>
      {field('username', 'User name')}
      {field('password', mailbox ? 'Password (leave empty to keep)' : 'Password', 'password')}
      {field('folder', 'Folder')}
      <label htmlFor="mb-group">New tickets go to</label>
      <select id="mb-group" value={f.groupId} onChange={(e) => setF((s) => ({ ...s, groupId: e.target.value }))}>
        <option value="">No group</option>
        {groups.map((g) => (
          <option key={g.id} value={g.id}>
            {g.name}
          </option>
        ))}
      </select>
      <fieldset>
        <legend>Answering from this mailbox</legend>
        {field('fromName', 'From name (empty: the desk name)')}
        {field('replyTo', 'Reply-To address (optional)', 'email')}
        {checkbox('defaultOutbound', 'Answer web-form requests from this mailbox (the desk’s default sender)')}
        {textarea('signature', 'Signature under replies')}
        {textarea('ackTemplate', 'Acknowledgement of new requests (empty: the built-in text)')}
        <p className="muted" id="mb-placeholders">
          Placeholders: {(placeholders.data ?? []).map((p) => `{{${p}}}`).join(' ')} — any other is refused.
        </p>
        {oauth ? (
          <>
            <p className="muted">
              Signed in with OAuth2 ({mailbox?.oauthProvider ?? 'provider'}): replies go out through this server with
              the mailbox’s access token.
            </p>
            {field('smtpHost', 'Outgoing server (empty: the provider’s)')}
            {field('smtpPort', 'Outgoing port', 'number')}
            {checkbox('smtpTls', 'TLS from the start (port 465); otherwise STARTTLS (port 587)')}
          </>
        ) : (
          field(
            'smtpUrl',
            mailbox?.smtpConfigured ? 'Own SMTP server URL (leave empty to keep)' : 'Own SMTP server URL (optional)',
            'password',
          )
        )}
        {!oauth && mailbox?.smtpConfigured && checkbox('removeSmtp', 'Send through the desk’s SMTP server instead')}
      </fieldset>
      {save.error && (
        <p className="error" role="alert">
          {errorText(save.error, LABELS)}
        </p>
      )}
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          Save mailbox
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
