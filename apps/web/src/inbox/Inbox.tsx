import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { customersApi } from '../customers/customers.api';
import { relativeTime } from '../shared/format';
import { isTyping } from '../shared/keyboard';
import { navigate } from '../shared/router';
import { useDirectory } from '../shell/directory';
import type { User } from '../shell/session.api';
import { SlaBadge } from '../ticket/SlaBadge';
import { inboxApi } from './inbox.api';
import { NewTicketButton } from '../ticket/NewTicket';

const VIEWS = [
  ['mine', 'My open'],
  ['unassigned', 'Unassigned'],
  ['open', 'All open'],
  ['pending', 'Pending'],
  ['solved', 'Solved'],
] as const;
type View = (typeof VIEWS)[number][0];

interface Filters {
  status: string;
  priority: string;
  assignee: string;
  group: string;
  mailbox: string;
  channel: string;
  tag: string;
  sort: string;
}
const NO_FILTERS: Filters = {
  status: '',
  priority: '',
  assignee: '',
  group: '',
  mailbox: '',
  channel: '',
  tag: '',
  sort: 'updated',
};

export function Inbox({ me }: { me: User }) {
  const dir = useDirectory();
  const queryClient = useQueryClient();
  const [view, setView] = useState<View>(() => (sessionStorage.getItem('inbox.view') as View | null) ?? 'open');
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  // A search looks through every ticket the user may see; the current view is an optional filter.
  const [searchInView, setSearchInView] = useState(false);
  const [cursorIndex, setCursorIndex] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);

  useEffect(() => sessionStorage.setItem('inbox.view', view), [view]);
  useEffect(() => {
    const t = window.setTimeout(() => setQ(search.trim()), 250);
    return () => window.clearTimeout(t);
  }, [search]);

  const params = useMemo(() => {
    const p = new URLSearchParams({ view: q && !searchInView ? 'all' : view, limit: '50' });
    for (const [k, v] of Object.entries(filters) as Array<[string, string]>) if (v) p.set(k, v);
    if (q) p.set('q', q);
    return p.toString();
  }, [view, filters, q, searchInView]);
  const customers = useQuery({
    queryKey: ['customer-search', q],
    queryFn: () => customersApi.search(q),
    enabled: q.length >= 3,
  });

  const counts = useQuery({
    queryKey: ['views'],
    queryFn: () => inboxApi.views<View>(),
  });
  const list = useInfiniteQuery({
    queryKey: ['tickets', params],
    queryFn: ({ pageParam }) => inboxApi.list(params, pageParam),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);

  const bulk = useMutation({
    mutationFn: (change: Record<string, unknown>) => inboxApi.bulk([...selected], change),
    onSuccess: () => {
      setSelected(new Set());
      void queryClient.invalidateQueries({ queryKey: ['tickets'] });
      void queryClient.invalidateQueries({ queryKey: ['views'] });
    },
  });

  useEffect(() => setCursorIndex((i) => Math.min(i, Math.max(items.length - 1, 0))), [items.length]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e)) {
        if (e.key === 'Escape' && e.target === searchRef.current) searchRef.current?.blur();
        return;
      }
      const current = items[cursorIndex];
      if (e.key === 'j') setCursorIndex((i) => Math.min(i + 1, items.length - 1));
      else if (e.key === 'k') setCursorIndex((i) => Math.max(i - 1, 0));
      else if ((e.key === 'Enter' || e.key === 'o') && current) navigate(`/tickets/${current.id}`);
      else if (e.key === 'x' && current) toggle(current.id);
      else if (e.key === '/') {
        e.preventDefault();
        searchRef.current?.focus();
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  useEffect(() => {
    const row = listRef.current?.querySelector<HTMLElement>(`[data-index="${cursorIndex}"]`);
    row?.scrollIntoView({ block: 'nearest' });
  }, [cursorIndex]);

  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const setFilter = (key: keyof Filters) => (e: { target: { value: string } }) =>
    setFilters((f) => ({ ...f, [key]: e.target.value }));

  const cap = counts.data?.cap ?? 10_000;
  return (
    <div className="inbox">
      <nav className="views" aria-label="Views">
        <ul>
          {VIEWS.map(([key, label]) => {
            const n = counts.data?.counts[key];
            return (
              <li key={key}>
                <button
                  type="button"
                  aria-current={view === key ? 'page' : undefined}
                  onClick={() => {
                    setView(key);
                    setCursorIndex(0);
                    setSelected(new Set());
                  }}
                >
                  <span>{label}</span>
                  <span className="count" data-testid={`count-${key}`}>
                    {n === undefined ? '' : n >= cap ? `${cap.toLocaleString('en')}+` : n}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      </nav>
      <section className="list-pane" aria-label="Tickets">
        <div className="toolbar">
          <NewTicketButton />
          <label className="search">
            <span className="sr-only">Search tickets</span>
            <input
              ref={searchRef}
              type="search"
              placeholder="Search tickets, customers, T-12345  ( / )"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          </label>
          <div className="filters">
            <Select label="Status" value={filters.status} onChange={setFilter('status')}>
              <option value="">Any status</option>
              {['new', 'open', 'pending', 'solved', 'closed'].map((s) => (
                <option key={s}>{s}</option>
              ))}
            </Select>
            <Select label="Priority" value={filters.priority} onChange={setFilter('priority')}>
              <option value="">Any priority</option>
              {['urgent', 'high', 'normal', 'low'].map((s) => (
                <option key={s}>{s}</option>
              ))}
            </Select>
            <Select label="Assignee" value={filters.assignee} onChange={setFilter('assignee')}>
              <option value="">Anyone</option>
              <option value="me">Me</option>
              <option value="none">Unassigned</option>
              {dir.users
                .filter((u) => u.id !== me.id)
                .map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
            </Select>
            <Select label="Group" value={filters.group} onChange={setFilter('group')}>
              <option value="">Any group</option>
              <option value="none">No group</option>
              {dir.groups.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </Select>
            <Select label="Mailbox" value={filters.mailbox} onChange={setFilter('mailbox')}>
              <option value="">Any mailbox</option>
              {dir.mailboxes.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </Select>
            <Select label="Channel" value={filters.channel} onChange={setFilter('channel')}>
              <option value="">Any channel</option>
              <option value="email">Email</option>
              <option value="form">Web form</option>
            </Select>
            <Select label="Tag" value={filters.tag} onChange={setFilter('tag')}>
              <option value="">Any tag</option>
              {dir.tags.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </Select>
            <Select label="Sort" value={filters.sort} onChange={setFilter('sort')}>
              <option value="updated">Recently updated</option>
              <option value="created">Newest</option>
              <option value="due">Due soonest (SLA)</option>
            </Select>
          </div>
        </div>
        {selected.size > 0 && (
          <BulkBar
            count={selected.size}
            users={dir.users}
            busy={bulk.isPending}
            error={bulk.error?.message ?? null}
            onApply={(change) => bulk.mutate(change)}
            onClear={() => setSelected(new Set())}
          />
        )}
        {q && (
          <div className="search-scope" data-testid="search-scope">
            <span>{searchInView ? 'Searching this view only.' : 'Searching every ticket you can see.'}</span>{' '}
            <label>
              <input type="checkbox" checked={searchInView} onChange={(e) => setSearchInView(e.target.checked)} /> Only
              in “{VIEWS.find(([k]) => k === view)?.[1]}”
            </label>
          </div>
        )}
        {q && (customers.data?.length ?? 0) > 0 && (
          <section className="customer-hits" aria-labelledby="customer-hits-title" data-testid="customer-hits">
            <h2 id="customer-hits-title">Customers</h2>
            <ul className="plain">
              {customers.data?.map((c) => (
                <li key={c.id}>
                  <a
                    href={`/customers/${c.id}`}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(`/customers/${c.id}`);
                    }}
                  >
                    {c.name ?? c.email ?? 'Anonymised customer'}
                  </a>{' '}
                  <span className="muted">
                    {c.email}
                    {c.organisation ? ` · ${c.organisation.name}` : ''} · {c.tickets.total} requests
                  </span>
                </li>
              ))}
            </ul>
          </section>
        )}
        {list.isError && (
          <p className="error" role="alert">
            {list.error.message}
          </p>
        )}
        <ul className="tickets" ref={listRef} aria-label="Ticket list">
          {items.map((t, i) => (
            <li
              key={t.id}
              data-index={i}
              className={`ticket-row ${i === cursorIndex ? 'cursor' : ''} ${t.sla.firstResponseBreached || t.sla.resolutionBreached ? 'breach' : ''}`}
              aria-current={i === cursorIndex ? 'true' : undefined}
            >
              <input
                type="checkbox"
                aria-label={`Select ${t.reference}`}
                checked={selected.has(t.id)}
                onChange={() => toggle(t.id)}
              />
              <a
                href={`/tickets/${t.id}`}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(`/tickets/${t.id}`);
                }}
                onFocus={() => setCursorIndex(i)}
              >
                <span className="subject">{t.subject}</span>
                <span className="meta">
                  <span className="ref">{t.reference}</span>
                  <span>{t.contact.name ?? t.contact.email ?? 'anonymised'}</span>
                  <span className={`status s-${t.status}`}>{t.status}</span>
                  {t.priority !== 'normal' && <span className={`prio p-${t.priority}`}>{t.priority}</span>}
                  <span>{t.assigneeId ? dir.userName(t.assigneeId) : 'unassigned'}</span>
                  {t.tags.map((tag) => (
                    <span key={tag} className="tag">
                      {tag}
                    </span>
                  ))}
                  <SlaBadge sla={t.sla} />
                  <time dateTime={t.updatedAt}>{relativeTime(t.updatedAt)}</time>
                </span>
              </a>
            </li>
          ))}
        </ul>
        {!list.isPending && items.length === 0 && <p className="empty">No tickets here.</p>}
        {list.hasNextPage && (
          <button
            type="button"
            className="more"
            onClick={() => void list.fetchNextPage()}
            disabled={list.isFetchingNextPage}
          >
            {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        )}
      </section>
    </div>
  );
}

function Select(props: {
  label: string;
  value: string;
  onChange: (e: { target: { value: string } }) => void;
  children: React.ReactNode;
}) {
  return (
    <label className="filter">
      <span className="sr-only">{props.label}</span>
      <select value={props.value} onChange={props.onChange} aria-label={props.label}>
        {props.children}
      </select>
    </label>
  );
}

function BulkBar(props: {
  count: number;
  users: Array<{ id: string; name: string }>;
  busy: boolean;
  error: string | null;
  onApply: (change: Record<string, unknown>) => void;
  onClear: () => void;
}) {
  const [tag, setTag] = useState('');
  return (
    <div className="bulk" role="region" aria-label="Bulk actions">
      <strong>{props.count} selected</strong>
      <label>
        <span className="sr-only">Assign selected to</span>
        <select
          aria-label="Assign selected to"
          value=""
          disabled={props.busy}
          onChange={(e) => props.onApply({ assigneeId: e.target.value === 'none' ? null : e.target.value })}
        >
          <option value="">Assign to…</option>
          <option value="none">Nobody</option>
          {props.users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span className="sr-only">Set status of selected</span>
        <select
          aria-label="Set status of selected"
          value=""
          disabled={props.busy}
          onChange={(e) => props.onApply({ status: e.target.value })}
        >
          <option value="">Set status…</option>
          {['open', 'pending', 'solved', 'closed'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (tag.trim()) props.onApply({ addTags: [tag.trim()] });
          setTag('');
        }}
      >
        <label>
          <span className="sr-only">Add tag to selected</span>
          <input placeholder="Add tag" value={tag} onChange={(e) => setTag(e.target.value)} disabled={props.busy} />
        </label>
        <button type="submit" disabled={props.busy}>
          Tag
        </button>
      </form>
      <button type="button" className="link" onClick={props.onClear}>
        Clear
      </button>
      {props.error && (
        <span className="error" role="alert">
          {props.error}
        </span>
      )}
    </div>
  );
}
