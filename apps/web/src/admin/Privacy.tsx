import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorText, when } from './Admin';
import { privacyApi, type DataSubjectRequest, type RetentionRule } from './privacy.api';

/** What each retention class holds, in the words of the privacy policy. */
const CLASS_LABELS: Record<string, string> = {
  quarantined_inbound: 'Quarantined emails',
  failed_jobs: 'Failed background jobs',
  closed_ticket_content: 'Content of closed tickets',
  inactive_contacts: 'Inactive customers',
  login_ip: 'IP addresses of sign-ins and audit entries',
  login_events: 'Sign-in records',
  audit_log: 'Audit log entries',
};

const label = (dataClass: string) => CLASS_LABELS[dataClass] ?? dataClass;

/**
 * Privacy: retention rules with a dry run, the privacy policy's versions, and data-subject requests.
 * Supervisors see the rules, recent runs and policy versions read-only; requests are for admins.
 */
export function Privacy({ canEdit }: { canEdit: boolean }) {
  return (
    <>
      <Retention canEdit={canEdit} />
      <PolicyVersions canEdit={canEdit} />
      {canEdit && <Requests />}
    </>
  );
}

function Retention({ canEdit }: { canEdit: boolean }) {
  const queryClient = useQueryClient();
  const policy = useQuery({ queryKey: ['privacy', 'policy'], queryFn: privacyApi.policy });
  const runs = useQuery({ queryKey: ['privacy', 'runs'], queryFn: privacyApi.runs });
  const preview = useMutation({ mutationFn: privacyApi.plan });
  const run = useMutation({
    mutationFn: privacyApi.runNow,
    onSuccess: () => {
      preview.reset();
      void queryClient.invalidateQueries({ queryKey: ['privacy', 'runs'] });
    },
  });
  const refresh = () => {
    preview.reset();
    void queryClient.invalidateQueries({ queryKey: ['privacy', 'policy'] });
  };
  return (
    <section className="settings-section" aria-labelledby="retention-title">
      <h2 id="retention-title">Retention</h2>
      <p className="muted">
        How long each kind of data is kept; a daily run removes or anonymises what is older. Preview shows what a run
        now would do.
      </p>
      <div className="table-scroll">
        <table className="sla-table">
          <thead>
            <tr>
              <th scope="col">Data</th>
              <th scope="col">Keep for</th>
              <th scope="col">Then</th>
              <th scope="col">Set by</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(policy.data?.global ?? {}).map(([dataClass, rule]) => (
              <RuleRow key={dataClass} dataClass={dataClass} rule={rule} onSaved={refresh} canEdit={canEdit} />
            ))}
          </tbody>
        </table>
      </div>
      {canEdit && (
        <div className="settings-actions">
          <button type="button" onClick={() => preview.mutate()} disabled={preview.isPending}>
            {preview.isPending ? 'Counting…' : 'Preview a run now'}
          </button>
          <button
            type="button"
            onClick={() => window.confirm('Run retention now? What it removes cannot be brought back.') && run.mutate()}
            disabled={run.isPending}
          >
            Run now
          </button>
        </div>
      )}
      {(preview.error ?? run.error) && (
        <p className="error" role="alert">
          {errorText(preview.error ?? run.error)}
        </p>
      )}
      {run.data && (
        <p className="notice" role="status">
          Run finished: {countsText(run.data.done)}.
        </p>
      )}
      {preview.data && (
        <div role="region" aria-label="Dry run">
          <h3>A run now would</h3>
          {preview.data.entries.length === 0 ? (
            <p className="notice" role="status">
              Change nothing: no data is past its retention period.
            </p>
          ) : (
            <div role="status">
              <ul>
                {preview.data.entries.map((e) => (
                  <li key={`${e.dataClass}.${e.action}.${e.target}`}>
                    {e.action} {e.count} × {e.target.replace(/_/g, ' ')} ({label(e.dataClass)})
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
      <h3>Recent runs</h3>
      {(runs.data ?? []).length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <ul className="settings-list" aria-label="Recent retention runs">
          {(runs.data ?? []).slice(0, 5).map((r) => (
            <li key={r.id} className="muted">
              {when(r.createdAt)} · {r.status} · by {r.actor.startsWith('user:') ? 'an admin' : r.actor} ·{' '}
              {countsText(r.done)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function countsText(counts: Record<string, number>): string {
  const parts = Object.entries(counts).filter(([, n]) => n > 0);
  return parts.length === 0 ? 'nothing to do' : parts.map(([k, n]) => `${k.replace(/[._]/g, ' ')}: ${n}`).join(', ');
}

function RuleRow({
  dataClass,
  rule,
  onSaved,
  canEdit,
}: {
  dataClass: string;
  rule: RetentionRule;
  onSaved: () => void;
  canEdit: boolean;
}) {
  const [days, setDays] = useState(String(rule.days));
  const save = useMutation({
    mutationFn: () => privacyApi.setRule(dataClass, { days: Number(days), action: rule.action }),
    onSuccess: onSaved,
  });
  const reset = useMutation({ mutationFn: () => privacyApi.resetRule(dataClass), onSuccess: onSaved });
  const id = `keep-${dataClass}`;
  const changed = days !== String(rule.days);
  return (
    <tr>
      <th scope="row">
        <label htmlFor={id}>{label(dataClass)}</label>
      </th>
      <td>
        <input
          id={id}
          readOnly={!canEdit}
          type="number"
          min={1}
          max={36500}
          value={days}
          onChange={(e) => setDays(e.target.value)}
        />{' '}
        days
        {(save.error ?? reset.error) && (
          <p className="error" role="alert">
            {errorText(save.error ?? reset.error)}
          </p>
        )}
      </td>
      <td>{rule.action}</td>
      <td>{rule.source === 'default' ? 'default' : 'admin'}</td>
      <td className="settings-actions">
        {canEdit && (
          <button type="button" disabled={!changed || save.isPending} onClick={() => save.mutate()}>
            Save<span className="sr-only"> {label(dataClass)}</span>
          </button>
        )}
        {canEdit && rule.source !== 'default' && (
          <button type="button" onClick={() => reset.mutate()}>
            Default<span className="sr-only"> for {label(dataClass)}</span>
          </button>
        )}
      </td>
    </tr>
  );
}

function PolicyVersions({ canEdit }: { canEdit: boolean }) {
  const queryClient = useQueryClient();
  const versions = useQuery({ queryKey: ['privacy', 'versions'], queryFn: privacyApi.versions });
  const [f, setF] = useState({ version: '', text: '' });
  const publish = useMutation({
    mutationFn: () => privacyApi.publish(f),
    onSuccess: () => {
      setF({ version: '', text: '' });
      void queryClient.invalidateQueries({ queryKey: ['privacy', 'versions'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    publish.mutate();
  };
  const list = versions.data ?? [];
  return (
    <section className="settings-section" aria-labelledby="policy-title">
      <h2 id="policy-title">Privacy policy</h2>
      <p className="muted">
        The customer form shows the newest published version; each consent records the version it was given under.
      </p>
      <ul className="settings-list" aria-label="Policy versions">
        {list.map((v, i) => (
          <li key={v.version} className="settings-item">
            <div>
              <strong>{v.version}</strong> {i === 0 && <span className="tag">current</span>}{' '}
              <span className="muted">published {when(v.publishedAt)}</span>
              <p className="preview-text">{v.text}</p>
            </div>
          </li>
        ))}
      </ul>
      {canEdit && (
        <form className="settings-form" onSubmit={submit} aria-label="Publish a new version">
          <label htmlFor="policy-version">New version</label>
          <input
            id="policy-version"
            value={f.version}
            required
            onChange={(e) => setF((s) => ({ ...s, version: e.target.value }))}
          />
          <label htmlFor="policy-text">Text</label>
          <textarea
            id="policy-text"
            rows={6}
            value={f.text}
            required
            onChange={(e) => setF((s) => ({ ...s, text: e.target.value }))}
          />
          {publish.error && (
            <p className="error" role="alert">
              {errorText(publish.error)}
            </p>
          )}
          <div className="settings-actions">
            <button type="submit" className="primary" disabled={publish.isPending}>
              Publish version
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

const DSR_TYPES = { export: 'Export', correction: 'Correction', erasure: 'Erasure' } as const;

function Requests() {
  const queryClient = useQueryClient();
  const requests = useQuery({ queryKey: ['privacy', 'dsr'], queryFn: privacyApi.requests });
  const [f, setF] = useState({ type: 'export', contact: '' });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['privacy', 'dsr'] });
  const record = useMutation({
    mutationFn: () => privacyApi.record(f),
    onSuccess: () => {
      setF((s) => ({ ...s, contact: '' }));
      refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    record.mutate();
  };
  const list = requests.data ?? [];
  return (
    <section className="settings-section" aria-labelledby="dsr-title">
      <h2 id="dsr-title">Data-subject requests</h2>
      <p className="muted">
        Requests to export, correct or erase a customer&apos;s data, due within 30 days. Verify the requester before
        carrying one out.
      </p>
      {list.length === 0 ? (
        <p className="muted">No requests.</p>
      ) : (
        <ul className="settings-list" aria-label="Data-subject requests">
          {list.map((r) => (
            <RequestItem key={r.id} request={r} onChanged={refresh} />
          ))}
        </ul>
      )}
      <form className="settings-form" onSubmit={submit} aria-label="Record a request">
        <label htmlFor="dsr-type">Request</label>
        <select id="dsr-type" value={f.type} onChange={(e) => setF((s) => ({ ...s, type: e.target.value }))}>
          <option value="export">Export (a copy of their data)</option>
          <option value="erasure">Erasure</option>
        </select>
        <label htmlFor="dsr-contact">Customer email address</label>
        <input
          id="dsr-contact"
          type="email"
          required
          value={f.contact}
          onChange={(e) => setF((s) => ({ ...s, contact: e.target.value }))}
        />
        {record.error && (
          <p className="error" role="alert">
            {errorText(record.error)}
          </p>
        )}
        <div className="settings-actions">
          <button type="submit" className="primary" disabled={record.isPending}>
            Record request
          </button>
        </div>
      </form>
    </section>
  );
}

function RequestItem({ request: r, onChanged }: { request: DataSubjectRequest; onChanged: () => void }) {
  const verify = useMutation({ mutationFn: () => privacyApi.verify(r.id), onSuccess: onChanged });
  const reject = useMutation({ mutationFn: () => privacyApi.reject(r.id), onSuccess: onChanged });
  const complete = useMutation({ mutationFn: () => privacyApi.complete(r.id), onSuccess: onChanged });
  const error = verify.error ?? reject.error ?? complete.error;
  const name = `${DSR_TYPES[r.type] ?? r.type} received ${new Date(r.receivedAt).toLocaleDateString()}`;
  return (
    <li className="settings-item">
      <div>
        <strong>{DSR_TYPES[r.type] ?? r.type}</strong> · <span className="tag">{r.status}</span>
        {r.overdue && <span className="error"> overdue</span>}
        <p className="muted">
          received {when(r.receivedAt)} · due {when(r.dueAt)}
          {r.completedAt ? ` · done ${when(r.completedAt)}` : ''}
          {r.fields.length > 0 ? ` · fields: ${r.fields.join(', ')}` : ''}
        </p>
        {error && (
          <p className="error" role="alert">
            {errorText(error)}
          </p>
        )}
      </div>
      <div className="settings-actions">
        {r.status === 'received' && (
          <>
            <button type="button" onClick={() => verify.mutate()} aria-label={`Identity verified: ${name}`}>
              Identity verified
            </button>
            <button type="button" onClick={() => reject.mutate()} aria-label={`Reject: ${name}`}>
              Reject
            </button>
          </>
        )}
        {r.status === 'verified' && (
          <button
            type="button"
            disabled={complete.isPending}
            aria-label={`${r.type === 'export' ? 'Download export' : 'Carry out'}: ${name}`}
            onClick={() =>
              (r.type !== 'erasure' || window.confirm('Erase this customer’s data? This cannot be undone.')) &&
              complete.mutate()
            }
          >
            {r.type === 'export' ? 'Download export' : 'Carry out'}
          </button>
        )}
      </div>
    </li>
  );
}
