import { useQuery } from '@tanstack/react-query';
import { navigate } from '../shared/router';
import { customersApi } from './customers.api';

const go = (path: string) => (e: React.MouseEvent) => {
  e.preventDefault();
  navigate(path);
};

/** In the ticket view: who wrote, their other open requests, how many in all, and the way to all of them. */
export function CustomerPanel({ contactId, ticketId }: { contactId: string; ticketId: string }) {
  const customer = useQuery({ queryKey: ['customer', contactId], queryFn: () => customersApi.get(contactId) });
  const open = useQuery({
    queryKey: ['customer-tickets', contactId, 'open-panel'],
    queryFn: () => customersApi.tickets(contactId, 'new,open,pending', ''),
  });
  if (!customer.data) return null;
  const c = customer.data;
  const others = (open.data?.items ?? []).filter((t) => t.id !== ticketId).slice(0, 5);
  return (
    <section aria-labelledby="customer-panel-title" className="customer-panel" data-testid="customer-panel">
      <h2 id="customer-panel-title">Customer</h2>
      <p>
        <a href={`/customers/${c.id}`} onClick={go(`/customers/${c.id}`)}>
          {c.name ?? c.email ?? 'Anonymised customer'}
        </a>
        {c.organisation && (
          <>
            {' · '}
            <a href={`/organisations/${c.organisation.id}`} onClick={go(`/organisations/${c.organisation.id}`)}>
              {c.organisation.name}
            </a>
          </>
        )}
      </p>
      {c.email && <p className="muted">{c.email}</p>}
      <p data-testid="customer-total">
        {c.tickets.total} request{c.tickets.total === 1 ? '' : 's'} in total
      </p>
      {others.length > 0 && (
        <>
          <h3>Other open requests</h3>
          <ul className="plain">
            {others.map((t) => (
              <li key={t.id}>
                <a href={`/tickets/${t.id}`} onClick={go(`/tickets/${t.id}`)}>
                  {t.reference}
                </a>{' '}
                {t.subject}
              </li>
            ))}
          </ul>
        </>
      )}
      <a href={`/customers/${c.id}`} onClick={go(`/customers/${c.id}`)}>
        View all requests
      </a>
    </section>
  );
}
