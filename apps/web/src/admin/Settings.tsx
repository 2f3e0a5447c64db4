import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { navigate } from '../shared/router';
import type { User } from '../shell/session.api';
import { adminApi, type CannedReply, type SlaPolicy } from './admin.api';

// Supervisors and admins maintain canned replies; admins set SLA targets (supervisors see them).
// Every change goes through the same API the docs describe; the server re-checks the role.

const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function Settings({ me }: { me: User }) {
  return (
    <main className="settings" aria-labelledby="settings-title">
      <header className="settings-head">
        <button type="button" className="link" onClick={() => navigate('/')}>
          ← Inbox
        </button>
        <h1 id="settings-title">Settings</h1>
      </header>
      <CannedReplies />
      <SlaPolicies canEdit={me.role === 'admin'} />
    </main>
  );
}

function CannedReplies() {
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: ['canned'],
    queryFn: adminApi.cannedReplies,
  });
  const [editing, setEditing] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['canned'] });
  const remove = useMutation({ mutationFn: adminApi.deleteCannedReply, onSuccess: refresh });
  const placeholders = list.data?.placeholders ?? [];

  return (
    <section className="settings-section" aria-labelledby="canned-title">
      <h2 id="canned-title">Canned replies</h2>
      {placeholders.length > 0 && (
        <p className="muted">
          Placeholders: {placeholders.map((p) => `{{${p}}}`).join(' ')} — filled in for the ticket when an agent inserts
          the reply.
        </p>
      )}
      <ul className="settings-list" aria-label="Canned replies">
        {(list.data?.items ?? []).map((c) =>
          editing === c.id ? (
            <li key={c.id}>
              <CannedForm
                initial={c}
                submitLabel="Save"
                onCancel={() => setEditing(null)}
                onSaved={() => {
                  setEditing(null);
                  refresh();
                }}
              />
            </li>
          ) : (
            <li key={c.id} className="settings-item">
              <div>
                <strong>{c.title}</strong>
                <p className="preview-text">{c.body}</p>
              </div>
              <div className="settings-actions">
                <button type="button" onClick={() => setEditing(c.id)} aria-label={`Edit ${c.title}`}>
                  Edit
                </button>
                <button
                  type="button"
                  onClick={() => window.confirm(`Delete "${c.title}"?`) && remove.mutate(c.id)}
                  aria-label={`Delete ${c.title}`}
                >
                  Delete
                </button>
              </div>
            </li>
          ),
        )}
      </ul>
      {list.data?.items.length === 0 && <p className="muted">No canned replies yet.</p>}
      <h3>New canned reply</h3>
      {/* Not keyed by the list's refresh: a refetch (the first load landing, another tab's change)
          remounted it and wiped what was being typed. It clears itself once created. */}
      <CannedForm submitLabel="Create" onSaved={refresh} />
    </section>
  );
}

function CannedForm(props: { initial?: CannedReply; submitLabel: string; onSaved: () => void; onCancel?: () => void }) {
  const { initial } = props;
  const [title, setTitle] = useState(initial?.title ?? '');
  const [body, setBody] = useState(initial?.body ?? '');
  const save = useMutation({
    mutationFn: () => adminApi.saveCannedReply(initial?.id, { title, body }),
    onSuccess: () => {
      if (!initial) {
        setTitle('');
        setBody('');
      }
      props.onSaved();
    },
  });
  const prefix = initial ? `edit-${initial.id}` : 'new-canned';
  return (
    <form
      className="settings-form"
      aria-label={initial ? `Edit ${initial.title}` : 'New canned reply'}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <label htmlFor={`${prefix}-title`}>Title</label>
      <input id={`${prefix}-title`} value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
      <label htmlFor={`${prefix}-body`}>Text</label>
      <textarea id={`${prefix}-body`} rows={5} value={body} onChange={(e) => setBody(e.target.value)} required />
      <FormActions
        submitLabel={props.submitLabel}
        pending={save.isPending}
        error={save.error}
        onCancel={props.onCancel}
      />
    </form>
  );
}

function minutesLabel(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} d`;
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}

function clock(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

function SlaPolicies({ canEdit }: { canEdit: boolean }) {
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ['sla'], queryFn: adminApi.slaPolicies });
  const [editing, setEditing] = useState<string | null>(null);
  const byPriority = new Map((list.data?.items ?? []).map((p) => [p.priority, p]));
  return (
    <section className="settings-section" aria-labelledby="sla-settings-title">
      <h2 id="sla-settings-title">SLA policies</h2>
      {!canEdit && <p className="muted">Only admins can change SLA targets.</p>}
      <div className="table-scroll">
        <table className="sla-table">
          <thead>
            <tr>
              <th scope="col">Priority</th>
              <th scope="col">First response</th>
              <th scope="col">Resolution</th>
              <th scope="col">Clock</th>
              {canEdit && <th scope="col">Change</th>}
            </tr>
          </thead>
          <tbody>
            {PRIORITIES.map((priority) => {
              const p = byPriority.get(priority);
              return (
                <tr key={priority}>
                  <th scope="row">{priority}</th>
                  <td>{p ? minutesLabel(p.firstResponseMinutes) : '—'}</td>
                  <td>{p ? minutesLabel(p.resolutionMinutes) : '—'}</td>
                  <td>
                    {!p
                      ? 'no target'
                      : p.businessHours
                        ? `business hours ${clock(p.dayStartMinute)}–${clock(p.dayEndMinute)} ${p.workDays.map((d) => DAYS[d - 1]).join(' ')} (${p.timezone})`
                        : 'around the clock'}
                  </td>
                  {canEdit && (
                    <td>
                      <button type="button" onClick={() => setEditing(priority)} aria-label={`Edit ${priority} SLA`}>
                        Edit
                      </button>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {canEdit && editing && (
        <SlaForm
          key={editing}
          priority={editing}
          initial={byPriority.get(editing)}
          onDone={(saved) => {
            setEditing(null);
            if (saved) {
              void queryClient.invalidateQueries({ queryKey: ['sla'] });
              void queryClient.invalidateQueries({ queryKey: ['tickets'] });
            }
          }}
        />
      )}
    </section>
  );
}

function SlaForm(props: { priority: string; initial?: SlaPolicy; onDone: (saved: boolean) => void }) {
  const i = props.initial;
  const [first, setFirst] = useState(String(i?.firstResponseMinutes ?? 240));
  const [resolution, setResolution] = useState(String(i?.resolutionMinutes ?? 1440));
  const [businessHours, setBusinessHours] = useState(i?.businessHours ?? false);
  const [timezone, setTimezone] = useState(i?.timezone ?? 'UTC');
  const [start, setStart] = useState(clock(i?.dayStartMinute ?? 540));
  const [end, setEnd] = useState(clock(i?.dayEndMinute ?? 1020));
  const [days, setDays] = useState<number[]>(i?.workDays ?? [1, 2, 3, 4, 5]);
  const toMinute = (hhmm: string) => {
    const [h = '0', m = '0'] = hhmm.split(':');
    return Number(h) * 60 + Number(m);
  };
  const save = useMutation({
    mutationFn: () =>
      adminApi.saveSlaPolicy(props.priority, {
        firstResponseMinutes: Number(first),
        resolutionMinutes: Number(resolution),
        businessHours,
        timezone,
        dayStartMinute: toMinute(start),
        dayEndMinute: toMinute(end),
        workDays: days,
      }),
    onSuccess: () => props.onDone(true),
  });
  return (
    <form
      className="settings-form"
      aria-label={`SLA for ${props.priority} tickets`}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h3>SLA for {props.priority} tickets</h3>
      <label htmlFor="sla-first">First response within (minutes)</label>
      <input id="sla-first" type="number" min={1} required value={first} onChange={(e) => setFirst(e.target.value)} />
      <label htmlFor="sla-resolution">Resolution within (minutes)</label>
      <input
        id="sla-resolution"
        type="number"
        min={1}
        required
        value={resolution}
        onChange={(e) => setResolution(e.target.value)}
      />
      <label className="check">
        <input type="checkbox" checked={businessHours} onChange={(e) => setBusinessHours(e.target.checked)} /> Count
        business hours only
      </label>
      {businessHours && (
        <fieldset>
          <legend>Business hours</legend>
          <label htmlFor="sla-tz">Time zone</label>
          <input id="sla-tz" value={timezone} onChange={(e) => setTimezone(e.target.value)} />
          <label htmlFor="sla-start">Day starts</label>
          <input id="sla-start" type="time" value={start} onChange={(e) => setStart(e.target.value)} />
          <label htmlFor="sla-end">Day ends</label>
          <input id="sla-end" type="time" value={end} onChange={(e) => setEnd(e.target.value)} />
          <div className="days" role="group" aria-label="Working days">
            {DAYS.map((d, index) => (
              <label key={d} className="check">
                <input
                  type="checkbox"
                  checked={days.includes(index + 1)}
                  onChange={(e) =>
                    setDays((all) =>
                      e.target.checked ? [...all, index + 1].sort((a, b) => a - b) : all.filter((x) => x !== index + 1),
                    )
                  }
                />{' '}
                {d}
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <FormActions
        submitLabel="Save"
        pending={save.isPending}
        error={save.error}
        onCancel={() => props.onDone(false)}
      />
    </form>
  );
}

/** A settings form's submit and cancel buttons, and the save error under them. */
function FormActions(props: { submitLabel: string; pending: boolean; error: Error | null; onCancel?: () => void }) {
  return (
    <>
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={props.pending}>
          {props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
      {props.error && (
        <p className="error" role="alert">
          {props.error.message}
        </p>
      )}
    </>
  );
}
