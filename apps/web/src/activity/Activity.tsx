import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { navigate } from '../shared/router';
import { useDirectory, type Directory } from '../shell/directory';
import { TIMELINE_KINDS } from '../ticket/timeline-filter';
import { activityApi, type ActivityFilter, type ActivityItem } from './activity.api';
import { ListFooter } from '../shared/ListFooter';

const day = (d: Date) => d.toISOString().slice(0, 10);

/** What a change did, in words; ids of staff and groups shown by name. */
function describe(a: ActivityItem, dir: Directory): string {
  const value = (v: string | null) =>
    v === null
      ? 'none'
      : a.field === 'assignee' || a.field === 'assignee_id'
        ? dir.userName(v)
        : a.field === 'group' || a.field === 'group_id'
          ? dir.groupName(v)
          : v;
  if (a.type === 'reply_queued') return 'replied';
  if (a.type === 'note_added') return 'added an internal note';
  if (a.field && (a.oldValue !== null || a.newValue !== null))
    return `${a.field.replace(/_id$/, '').replace(/_/g, ' ')}: ${value(a.oldValue)} → ${value(a.newValue)}`;
  return a.type.replace(/_/g, ' ');
}

/** The activity view: who did what, when, across every ticket; filters, "Load more", CSV. */
export function Activity() {
  const dir = useDirectory();
  const today = new Date();
  const [filter, setFilter] = useState<ActivityFilter>({
    from: day(new Date(today.getTime() - 6 * 86_400_000)),
    to: day(today),
    agent: '',
    group: '',
    kind: '',
  });
  const list = useInfiniteQuery({
    queryKey: ['activity', filter],
    queryFn: ({ pageParam }) => activityApi.page(filter, pageParam),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const set = (k: keyof ActivityFilter) => (e: { target: { value: string } }) =>
    setFilter({ ...filter, [k]: e.target.value });
  return (
    <section aria-labelledby="activity-title" className="card report-section">
      <div className="section-head">
        <h2 id="activity-title">Activity: who did what, when</h2>
        <a className="button" href={activityApi.csvUrl(filter)} download>
          Download CSV
        </a>
      </div>
      <form className="report-controls" onSubmit={(e) => e.preventDefault()}>
        <label>
          From <input type="date" value={filter.from} max={filter.to} onChange={set('from')} />
        </label>
        <label>
          To <input type="date" value={filter.to} min={filter.from} onChange={set('to')} />
        </label>
        <label>
          Agent{' '}
          <select value={filter.agent} onChange={set('agent')}>
            <option value="">Everyone</option>
            {dir.users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Group{' '}
          <select value={filter.group} onChange={set('group')}>
            <option value="">Every group</option>
            {dir.groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind{' '}
          <select value={filter.kind} onChange={set('kind')}>
            {/* The ticket timeline's kinds, so both screens name a change alike. */}
            {TIMELINE_KINDS.map(([value, label]) => (
              <option key={value} value={value === 'all' ? '' : value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {list.isError && (
        <p className="error" role="alert">
          {list.error.message}
        </p>
      )}
      <table className="data-table" data-testid="activity-table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Ticket</th>
            <th scope="col">Group</th>
            <th scope="col">What</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id}>
              <td>
                <time dateTime={a.at}>{new Date(a.at).toLocaleString()}</time>
              </td>
              <td>{dir.userName(a.agentId)}</td>
              <td>
                <a
                  href={`/tickets/${a.ticketId}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/tickets/${a.ticketId}`);
                  }}
                >
                  {a.reference}
                </a>
              </td>
              <td>{dir.groupName(a.groupId)}</td>
              <td>{describe(a, dir)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ListFooter list={list} count={items.length} empty="No changes in this range." />
    </section>
  );
}
