import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CustomerPanel } from '../customers/CustomerPanel';
import { absoluteTime, fileSize, relativeTime } from '../shared/format';
import { navigate } from '../shared/router';
import { useDirectory, type Directory } from '../shell/directory';
import type { User } from '../shell/session.api';
import { Composer, type ComposerRequest } from './Composer';
import { DeliveryLine } from './DeliveryLine';
import { MessageBody } from './MessageBody';
import { SlaBadge } from './SlaBadge';
import { eventKind, TIMELINE_KINDS, type TimelineKind } from './timeline-filter';
import { ticketApi, type HistoryEvent, type Message, type TicketDetail } from './ticket.api';

const PENDING_DELIVERY_REFRESH_MS = 5000;

type Entry = { kind: 'message'; at: string; message: Message } | { kind: 'event'; at: string; event: HistoryEvent };

export function TicketView({ id, me }: { id: string; me: User }) {
  const queryClient = useQueryClient();
  const dir = useDirectory();
  // Delivery moves by live events; while a message is still on its way the ticket is also read
  // again every few seconds, so a state change missed while the event stream reconnected (the
  // browser resumes it without the events in between) cannot leave "sending" on screen.
  const ticket = useQuery({
    queryKey: ['ticket', id],
    queryFn: () => ticketApi.get(id),
    refetchInterval: (query) =>
      query.state.data?.messages.some((m) => m.deliveryStatus === 'queued' || m.deliveryStatus === 'sending')
        ? PENDING_DELIVERY_REFRESH_MS
        : false,
  });
  const [kind, setKind] = useState<TimelineKind>('all');
  const [request, setRequest] = useState<ComposerRequest | null>(null);
  const ask = (r: Omit<ComposerRequest, 'nonce'>) => setRequest({ ...r, nonce: Date.now() });
  const invalidate = () => {
    void queryClient.invalidateQueries({ queryKey: ['ticket', id] });
    void queryClient.invalidateQueries({ queryKey: ['tickets'] });
    void queryClient.invalidateQueries({ queryKey: ['views'] });
  };
  const update = useMutation({
    mutationFn: (change: Record<string, unknown>) => ticketApi.update(id, change),
    onSuccess: invalidate,
  });

  if (ticket.isPending) return <p className="loading">Loading ticket…</p>;
  if (ticket.isError)
    return (
      <main className="ticket">
        <p className="error" role="alert">
          {ticket.error.message}
        </p>
        <button type="button" onClick={() => navigate('/')}>
          Back to the inbox
        </button>
      </main>
    );
  const t = ticket.data;
  const entries: Entry[] = [
    ...t.messages.map((m) => ({ kind: 'message' as const, at: m.createdAt, message: m })),
    ...t.history
      .filter((h) => !['message_received', 'note_added', 'ticket_created', 'call_recorded'].includes(h.type))
      .map((h) => ({ kind: 'event' as const, at: h.createdAt, event: h })),
  ]
    .filter(
      (e) =>
        kind === 'all' ||
        (e.kind === 'message' ? kind === 'messages' : eventKind(e.event.type, e.event.field) === kind),
    )
    .sort((a, b) => a.at.localeCompare(b.at));

  return (
    <main className="ticket" aria-labelledby="ticket-subject">
      <div className="conversation">
        <header className="ticket-head">
          <button type="button" className="link" onClick={() => navigate('/')}>
            ← Inbox
          </button>
          <h1 id="ticket-subject">{t.subject}</h1>
          <p className="meta">
            <span className="ref">{t.reference}</span> · {t.contact.name ?? 'anonymised'}{' '}
            {t.contact.email && <span>&lt;{t.contact.email}&gt;</span>} · via {t.channel} · <SlaBadge sla={t.sla} />
          </p>
          {t.mergedIntoId && (
            <p className="notice">
              Merged into{' '}
              <a
                href={`/tickets/${t.mergedIntoId}`}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(`/tickets/${t.mergedIntoId}`);
                }}
              >
                {t.mergedIntoReference}
              </a>
            </p>
          )}
          <Presence ticketId={t.id} dir={dir} />
        </header>
        <label className="timeline-filter">
          Show{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value as TimelineKind)}>
            {TIMELINE_KINDS.map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <ol className="entries" aria-label="Conversation">
          {entries.map((e) =>
            e.kind === 'message' ? (
              <MessageItem key={e.message.id} m={e.message} t={t} dir={dir} onAsk={ask} onRetried={invalidate} />
            ) : (
              <li key={`h${e.event.id}`} className="event">
                {describeEvent(e.event, dir)} · <time dateTime={e.at}>{relativeTime(e.at)}</time>
              </li>
            ),
          )}
        </ol>
        {/* One composer per ticket: its text and draft never carry over to the next ticket. */}
        <Composer
          key={t.id}
          ticket={t}
          me={me}
          request={request && t.messages.some((m) => m.id === request.messageId) ? request : null}
          onSent={invalidate}
        />
      </div>
      <aside className="sidebar" aria-label="Ticket properties">
        <CustomerPanel contactId={t.contact.id} ticketId={t.id} />
        <Properties t={t} dir={dir} busy={update.isPending} onChange={(c) => update.mutate(c)} />
        {update.error && (
          <p className="error" role="alert">
            {update.error.message}
          </p>
        )}
        <SlaPanel t={t} />
        <Merge ticketId={t.id} onMerged={invalidate} />
      </aside>
    </main>
  );
}

function MessageItem(props: {
  m: Message;
  t: TicketDetail;
  dir: Directory;
  onAsk: (r: Omit<ComposerRequest, 'nonce'>) => void;
  onRetried: () => void;
}) {
  const { m, t, dir, onAsk, onRetried } = props;
  const byPhone = m.direction === 'in' && m.authorUserId !== null;
  const who =
    m.direction === 'in'
      ? (t.contact.name ?? t.contact.email ?? 'Customer')
      : m.authorUserId
        ? dir.userName(m.authorUserId)
        : 'Automatic message';
  const kind = m.direction === 'in' ? 'customer' : m.internal ? 'note' : 'reply';
  const label =
    kind === 'note'
      ? 'Internal note'
      : kind === 'reply'
        ? m.forwardedMessageId
          ? 'Forward'
          : 'Reply'
        : byPhone
          ? `Phone call, noted by ${dir.userName(m.authorUserId)}`
          : 'Customer';
  const recipients = [
    m.to?.length ? `to ${m.to.join(', ')}` : null,
    m.cc.length ? `cc ${m.cc.join(', ')}` : null,
    m.bcc.length ? `bcc ${m.bcc.join(', ')}` : null,
  ].filter(Boolean);
  return (
    <li className={`message ${kind}`} data-kind={kind}>
      <div className="message-head">
        <strong>{who}</strong>
        <span className="kind">{label}</span>
        {m.deliveryStatus && <DeliveryLine ticketId={t.id} m={m} part="badge" onRetried={onRetried} />}
        <time dateTime={m.createdAt} title={absoluteTime(m.createdAt)}>
          {relativeTime(m.createdAt)}
        </time>
        {!m.internal && !byPhone && (
          <span className="message-actions">
            {m.direction === 'in' && m.cc.length > 0 && (
              <button type="button" className="link" onClick={() => onAsk({ kind: 'reply-all', messageId: m.id })}>
                Reply all
              </button>
            )}
            <button type="button" className="link" onClick={() => onAsk({ kind: 'forward', messageId: m.id })}>
              Forward
            </button>
          </span>
        )}
      </div>
      {recipients.length > 0 && <p className="muted recipients-line">{recipients.join(' · ')}</p>}
      {m.deliveryStatus && <DeliveryLine ticketId={t.id} m={m} part="detail" onRetried={onRetried} />}
      <MessageBody text={m.bodyText} html={m.bodyHtml} label={`${label} from ${who}`} />
      {m.attachments.length > 0 && (
        <ul className="attachments" aria-label="Attachments">
          {m.attachments.map((a) => (
            <li key={a.id}>
              {a.available ? (
                <a href={`/api/attachments/${a.id}`} download>
                  {a.filename}
                </a>
              ) : (
                <span>{a.filename} (removed)</span>
              )}{' '}
              <span className="muted">
                {a.contentType} · {fileSize(a.size)}
              </span>
              {a.available && /^image\/(png|jpeg|gif|webp)$/.test(a.contentType) && (
                <img className="preview" src={`/api/attachments/${a.id}?inline=1`} alt={`Preview of ${a.filename}`} />
              )}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function describeEvent(h: HistoryEvent, dir: Directory): string {
  const who = h.actorType === 'user' ? dir.userName(h.actorId) : h.actorType === 'contact' ? 'Customer' : 'System';
  if (h.type === 'merged' && h.field === 'merged_into') return `${who} merged this ticket into another`;
  if (h.type === 'merged') return `${who} merged another ticket into this one`;
  if (h.type === 'field_changed') {
    const value = (v: string | null) =>
      h.field === 'assignee_id' ? dir.userName(v) : h.field === 'group_id' ? dir.groupName(v) : v || 'none';
    const field = h.field === 'assignee_id' ? 'assignee' : h.field === 'group_id' ? 'group' : h.field;
    return `${who} changed ${field} from ${value(h.oldValue)} to ${value(h.newValue)}`;
  }
  return `${who}: ${h.type.replace(/_/g, ' ')}`;
}

function Properties(props: {
  t: TicketDetail;
  dir: Directory;
  busy: boolean;
  onChange: (change: Record<string, unknown>) => void;
}) {
  const { t, dir, busy, onChange } = props;
  const [tag, setTag] = useState('');
  return (
    <section aria-labelledby="props-title">
      <h2 id="props-title">Properties</h2>
      <label htmlFor="f-status">Status</label>
      <select id="f-status" value={t.status} disabled={busy} onChange={(e) => onChange({ status: e.target.value })}>
        {['new', 'open', 'pending', 'solved', 'closed'].map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      <label htmlFor="f-priority">Priority</label>
      <select
        id="f-priority"
        value={t.priority}
        disabled={busy}
        onChange={(e) => onChange({ priority: e.target.value })}
      >
        {['low', 'normal', 'high', 'urgent'].map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      <label htmlFor="f-assignee">Assignee</label>
      <select
        id="f-assignee"
        value={t.assigneeId ?? ''}
        disabled={busy}
        onChange={(e) => onChange({ assigneeId: e.target.value || null })}
      >
        <option value="">Unassigned</option>
        {dir.users.map((u) => (
          <option key={u.id} value={u.id}>
            {u.name}
          </option>
        ))}
      </select>
      <label htmlFor="f-group">Group</label>
      <select
        id="f-group"
        value={t.groupId ?? ''}
        disabled={busy}
        onChange={(e) => onChange({ groupId: e.target.value || null })}
      >
        <option value="">No group</option>
        {dir.groups.map((g) => (
          <option key={g.id} value={g.id}>
            {g.name}
          </option>
        ))}
      </select>
      <span className="label">Tags</span>
      <ul className="tag-list">
        {t.tags.map((x) => (
          <li key={x} className="tag">
            {x}{' '}
            <button type="button" aria-label={`Remove tag ${x}`} onClick={() => onChange({ removeTags: [x] })}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (tag.trim()) onChange({ addTags: [tag.trim()] });
          setTag('');
        }}
      >
        <label htmlFor="f-tag" className="sr-only">
          Add a tag
        </label>
        <input id="f-tag" placeholder="Add a tag" value={tag} onChange={(e) => setTag(e.target.value)} />
      </form>
    </section>
  );
}

function SlaPanel({ t }: { t: TicketDetail }) {
  const row = (label: string, due: string | null, breached: boolean, done: boolean) =>
    due && (
      <p className={breached ? 'sla breached' : ''}>
        {label}: {absoluteTime(due)} {done ? '(met)' : breached ? '(breached)' : `(${relativeTime(due)})`}
      </p>
    );
  return (
    <section aria-labelledby="sla-title">
      <h2 id="sla-title">SLA</h2>
      {row('First response due', t.sla.firstResponseDueAt, t.sla.firstResponseBreached, !!t.firstResponseAt)}
      {row(
        'Resolution due',
        t.sla.resolutionDueAt,
        t.sla.resolutionBreached,
        t.status === 'solved' || t.status === 'closed',
      )}
      {!t.sla.firstResponseDueAt && !t.sla.resolutionDueAt && <p className="muted">No policy for this priority.</p>}
    </section>
  );
}

function Merge({ ticketId, onMerged }: { ticketId: string; onMerged: () => void }) {
  const [target, setTarget] = useState('');
  const merge = useMutation({
    mutationFn: () => ticketApi.merge(ticketId, target.trim()),
    onSuccess: (r) => {
      onMerged();
      navigate(`/tickets/${r.targetId}`);
    },
  });
  return (
    <section aria-labelledby="merge-title">
      <h2 id="merge-title">Merge</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (target.trim() && window.confirm(`Merge this ticket into ${target.trim()}?`)) merge.mutate();
        }}
      >
        <label htmlFor="merge-target">Merge into ticket (T-reference)</label>
        <input id="merge-target" value={target} onChange={(e) => setTarget(e.target.value)} placeholder="T-10042" />
        <button type="submit" disabled={merge.isPending}>
          Merge
        </button>
      </form>
      {merge.error && (
        <p className="error" role="alert">
          {merge.error.message}
        </p>
      )}
    </section>
  );
}

function Presence({ ticketId, dir }: { ticketId: string; dir: Directory }) {
  const presence = useQuery({
    queryKey: ['presence', ticketId],
    queryFn: () => ticketApi.presence(ticketId),
    refetchInterval: 15_000,
  });
  const me = useQueryClient().getQueryData<User>(['me']);
  const others = (presence.data?.viewers ?? []).filter((v) => v.userId !== me?.id);
  if (others.length === 0) return null;
  return (
    <p className="presence" role="status" data-testid="presence">
      {others.map((v) => `${dir.userName(v.userId)} is ${v.typing ? 'typing a reply' : 'viewing'}`).join(' · ')}
    </p>
  );
}
