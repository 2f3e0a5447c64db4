import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { navigate } from '../shared/router';
import type { User } from '../shell/session.api';
import { customersApi, type Organisation } from './customers.api';
import { CustomerTickets } from './CustomerTickets';

/** `/organisations/:id`: its customers and all their requests the viewer may open. */
export function OrganisationPage({ id, me }: { id: string; me: User }) {
  const org = useQuery({ queryKey: ['organisation', id], queryFn: () => customersApi.organisation(id) });
  if (org.isPending) return <p className="loading">Loading organisation…</p>;
  if (org.isError)
    return (
      <main className="customer-page">
        <p className="error" role="alert">
          {org.error.message}
        </p>
      </main>
    );
  const o = org.data;
  return (
    <main className="customer-page" aria-labelledby="org-title">
      <header className="page-head">
        <button type="button" className="link" onClick={() => window.history.back()}>
          ← Back
        </button>
        <h1 id="org-title">{o.name}</h1>
        <p className="meta">
          {o.customers} customer{o.customers === 1 ? '' : 's'} · {o.tickets.total} requests · {o.tickets.open} open
          {o.domains.length > 0 && <> · domains {o.domains.join(', ')}</>}
        </p>
      </header>
      <div className="customer-grid">
        <section aria-labelledby="members-title" className="card">
          <h2 id="members-title">Customers</h2>
          <ul className="plain">
            {o.members.map((m) => (
              <li key={m.id}>
                <a
                  href={`/customers/${m.id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/customers/${m.id}`);
                  }}
                >
                  {m.name ?? m.email ?? 'Anonymised customer'}
                </a>{' '}
                <span className="muted">
                  {m.email} · {m.tickets.total} requests
                </span>
              </li>
            ))}
          </ul>
        </section>
        {me.role === 'admin' && <Domains o={o} />}
      </div>
      <CustomerTickets
        queryKey={['organisation-tickets', id]}
        load={(status, cursor) => customersApi.organisationTickets(id, status, cursor)}
        csvUrl={(status) => customersApi.csvUrl('organisations', id, status)}
        showCustomer
      />
    </main>
  );
}

function Domains({ o }: { o: Organisation }) {
  const queryClient = useQueryClient();
  const [domains, setDomains] = useState(o.domains.join(', '));
  const save = useMutation({
    mutationFn: () =>
      customersApi.updateOrganisation(o.id, {
        domains: domains
          .split(/[\s,]+/)
          .map((d) => d.trim())
          .filter(Boolean),
      }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['organisation', o.id] }),
  });
  return (
    <section aria-labelledby="domains-title" className="card">
      <h2 id="domains-title">Email domains</h2>
      <p className="muted">Customers without a company whose address is at one of these domains belong here.</p>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <label htmlFor="org-domains">Domains (comma-separated)</label>
        <input id="org-domains" value={domains} onChange={(e) => setDomains(e.target.value)} />
        <button type="submit" disabled={save.isPending}>
          Save domains
        </button>
        {save.error && (
          <p className="error" role="alert">
            {save.error.message}
          </p>
        )}
      </form>
    </section>
  );
}
