import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { relativeTime } from '../shared/format';
import { navigate } from '../shared/router';
import { SlaBadge } from '../ticket/SlaBadge';
import type { TicketPage } from './customers.api';
import { ListFooter } from '../shared/ListFooter';

/** A customer's or organisation's requests: newest first, filterable by status, "Load more" pages. */
export function CustomerTickets(props: {
  queryKey: string[];
  load: (status: string, cursor: string) => Promise<TicketPage>;
  /** The CSV download of the same list (the server streams only what the viewer may open). */
  csvUrl: (status: string) => string;
  showCustomer?: boolean;
}) {
  const [status, setStatus] = useState('');
  const list = useInfiniteQuery({
    queryKey: [...props.queryKey, status],
    queryFn: ({ pageParam }) => props.load(status, pageParam),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="requests-title" className="customer-requests">
      <div className="section-head">
        <h2 id="requests-title">Requests</h2>
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any status</option>
            {['new', 'open', 'pending', 'solved', 'closed'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <a className="button" href={props.csvUrl(status)} download>
          Download CSV
        </a>
      </div>
      {list.isError && (
        <p className="error" role="alert">
          {list.error.message}
        </p>
      )}
      <table className="data-table" data-testid="customer-tickets">
        <thead>
          <tr>
            <th scope="col">Reference</th>
            <th scope="col">Subject</th>
            {props.showCustomer && <th scope="col">Customer</th>}
            <th scope="col">Status</th>
            <th scope="col">Channel</th>
            <th scope="col">Last activity</th>
            <th scope="col">SLA</th>
          </tr>
        </thead>
        <tbody>
          {items.map((t) => (
            <tr key={t.id}>
              <td>
                <a
                  href={`/tickets/${t.id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/tickets/${t.id}`);
                  }}
                >
                  {t.reference}
                </a>
              </td>
              <td>{t.subject}</td>
              {props.showCustomer && <td>{t.contact.name ?? t.contact.email ?? 'anonymised'}</td>}
              <td>
                <span className={`status s-${t.status}`}>{t.status}</span>
              </td>
              <td>{t.channel === 'form' ? 'web form' : t.channel}</td>
              <td>
                <time dateTime={t.lastMessageAt}>{relativeTime(t.lastMessageAt)}</time>
              </td>
              <td>
                <SlaBadge sla={t.sla} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ListFooter list={list} count={items.length} empty="No requests here." />
    </section>
  );
}
