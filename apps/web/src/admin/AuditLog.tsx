import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorText, when } from './Admin';
import { auditQuery, deskAdminApi, type AuditEntry, type AuditFilter } from './desk-admin.api';

const ACTOR_TYPES = ['system', 'cli', 'scheduler', 'contact'];

export function AuditLog() {
  const [draft, setDraft] = useState<AuditFilter>({});
  const [filter, setFilter] = useState<AuditFilter>({});
  const users = useQuery({ queryKey: ['admin', 'users'], queryFn: deskAdminApi.users });
  const actions = useQuery({ queryKey: ['admin', 'audit-actions'], queryFn: deskAdminApi.auditActions });
  const log = useInfiniteQuery({
    queryKey: ['admin', 'audit', filter],
    queryFn: ({ pageParam }) => deskAdminApi.audit(filter, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
  const entries = log.data?.pages.flatMap((p) => p.items) ?? [];
  const set = (key: keyof AuditFilter) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: e.target.value || undefined }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilter(draft);
  };

  return (
    <section className="settings-section" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <p className="muted">
        Every privileged action, sign-ins and failed sign-ins. Entries cannot be changed or deleted; they leave only
        under their retention rule.
      </p>
      <form className="audit-filter" onSubmit={submit} aria-label="Filter the audit log">
        <label>
          Actor
          <select value={draft.actor ?? ''} onChange={set('actor')}>
            <option value="">Anyone</option>
            {(users.data ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
            {ACTOR_TYPES.map((t) => (
              <option key={t} value={t}>
                ({t})
              </option>
            ))}
          </select>
        </label>
        <label>
          Action
          <select value={draft.action ?? ''} onChange={set('action')}>
            <option value="">Any</option>
            {[...new Set((actions.data ?? []).map((a) => `${a.split('.')[0]}.`))].map((prefix) => (
              <option key={prefix} value={prefix}>
                {prefix}*
              </option>
            ))}
            {(actions.data ?? []).map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label>
          Target type
          <input value={draft.targetType ?? ''} onChange={set('targetType')} placeholder="user, group…" />
        </label>
        <label>
          Target id
          <input value={draft.targetId ?? ''} onChange={set('targetId')} />
        </label>
        <label>
          From
          <input type="date" value={draft.from ?? ''} onChange={set('from')} />
        </label>
        <label>
          To
          <input type="date" value={draft.to ?? ''} onChange={set('to')} />
        </label>
        <button type="submit" className="primary">
          Filter
        </button>
        <a className="button" href={`/api/admin/audit/export.csv${auditQuery(filter)}`} download>
          Export CSV
        </a>
      </form>
      {log.error && (
        <p className="error" role="alert">
          {errorText(log.error)}
        </p>
      )}
      <div className="table-scroll">
        <table className="sla-table admin-table audit-table">
          <caption className="sr-only">Audit entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">IP</th>
              <th scope="col">Changes</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{when(e.at)}</td>
                <td>{e.actorName ?? (e.actorId ? `${e.actorType} ${e.actorId.slice(0, 8)}` : e.actorType)}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  {e.targetType}
                  {e.targetId ? ` ${e.targetId.length > 12 ? `${e.targetId.slice(0, 8)}…` : e.targetId}` : ''}
                </td>
                <td>{e.ip ?? '—'}</td>
                <td>
                  <Changes entry={e} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!log.isPending && entries.length === 0 && <p className="empty">No entries match.</p>}
      {log.hasNextPage && (
        <button type="button" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}>
          Load older entries
        </button>
      )}
    </section>
  );
}

function Changes({ entry }: { entry: AuditEntry }) {
  const show = (v: unknown) => (v === null || v === undefined ? '∅' : typeof v === 'string' ? v : JSON.stringify(v));
  return (
    <ul className="changes">
      {Object.entries(entry.changes ?? {}).map(([field, c]) => (
        <li key={field}>
          {field}: {show(c.before)} → {show(c.after)}
        </li>
      ))}
      {Object.entries(entry.details ?? {}).map(([k, v]) => (
        <li key={k} className="muted">
          {k}: {show(v)}
        </li>
      ))}
    </ul>
  );
}
