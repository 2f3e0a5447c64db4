import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { absoluteTime } from '../shared/format';
import { navigate } from '../shared/router';
import type { User } from '../shell/session.api';
import { customersApi, type Customer } from './customers.api';
import { CustomerTickets } from './CustomerTickets';

/** `/customers/:id`: who the customer is and every request of theirs the viewer may open. */
export function CustomerPage({ id, me }: { id: string; me: User }) {
  const customer = useQuery({ queryKey: ['customer', id], queryFn: () => customersApi.get(id) });
  if (customer.isPending) return <p className="loading">Loading customer…</p>;
  if (customer.isError)
    return (
      <main className="customer-page">
        <p className="error" role="alert">
          {customer.error.message}
        </p>
        <button type="button" onClick={() => navigate('/')}>
          Back to the inbox
        </button>
      </main>
    );
  const c = customer.data;
  const title = c.name ?? c.email ?? 'Anonymised customer';
  return (
    <main className="customer-page" aria-labelledby="customer-title">
      <header className="page-head">
        <button type="button" className="link" onClick={() => window.history.back()}>
          ← Back
        </button>
        <h1 id="customer-title">{title}</h1>
        <p className="meta">
          {c.tickets.total} request{c.tickets.total === 1 ? '' : 's'} · {c.tickets.open} open
        </p>
      </header>
      <div className="customer-grid">
        <section aria-labelledby="identity-title" className="card">
          <h2 id="identity-title">Identity</h2>
          <dl className="facts">
            <dt>Name</dt>
            <dd>{c.name ?? '—'}</dd>
            <dt>Email</dt>
            <dd>
              <ul className="plain">
                {c.emails.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            </dd>
            <dt>Company</dt>
            <dd>{c.company ?? '—'}</dd>
            <dt>Organisation</dt>
            <dd>
              {c.organisation ? (
                <a
                  href={`/organisations/${c.organisation.id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/organisations/${c.organisation!.id}`);
                  }}
                >
                  {c.organisation.name}
                </a>
              ) : (
                '—'
              )}
            </dd>
            <dt>Website</dt>
            <dd>{c.website ?? '—'}</dd>
            <dt>Phone</dt>
            <dd>{c.phone ?? '—'}</dd>
            <dt>Customer since</dt>
            <dd>{absoluteTime(c.createdAt)}</dd>
            <dt>Last contact</dt>
            <dd>{c.lastContactAt ? absoluteTime(c.lastContactAt) : '—'}</dd>
          </dl>
        </section>
        <section aria-labelledby="consents-title" className="card">
          <h2 id="consents-title">Consents</h2>
          {c.consents.length === 0 ? (
            <p className="muted">No consent recorded.</p>
          ) : (
            <ul className="plain">
              {c.consents.map((x) => (
                <li key={x.purpose}>
                  {x.purpose.replace(/_/g, ' ')}: <strong>{x.granted ? 'granted' : 'withdrawn'}</strong> (policy{' '}
                  {x.policyVersion}, {x.source.replace(/_/g, ' ')}, {absoluteTime(x.at)})
                </li>
              ))}
            </ul>
          )}
        </section>
        {me.role !== 'agent' && !c.anonymised && <EditCustomer c={c} />}
      </div>
      <CustomerTickets
        queryKey={['customer-tickets', id]}
        load={(status, cursor) => customersApi.tickets(id, status, cursor)}
        csvUrl={(status) => customersApi.csvUrl('contacts', id, status)}
      />
    </main>
  );
}

function EditCustomer({ c }: { c: Customer }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    name: c.name ?? '',
    company: c.company ?? '',
    website: c.website ?? '',
    phone: c.phone ?? '',
  });
  const [address, setAddress] = useState('');
  const [mergeQuery, setMergeQuery] = useState('');
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['customer', c.id] });
    void queryClient.invalidateQueries({ queryKey: ['customer-tickets', c.id] });
  };
  const edit = useMutation({
    mutationFn: () => {
      const change: Record<string, string> = {};
      for (const [k, v] of Object.entries(form))
        if (v !== ((c as unknown as Record<string, string | null>)[k] ?? '')) change[k] = v;
      return customersApi.edit(c.id, change);
    },
    onSuccess: refresh,
  });
  const addresses = useMutation({
    mutationFn: (change: { add?: string; remove?: string }) => customersApi.addresses(c.id, change),
    onSuccess: () => {
      setAddress('');
      refresh();
    },
  });
  const candidates = useQuery({
    queryKey: ['customer-search', mergeQuery],
    queryFn: () => customersApi.search(mergeQuery),
    enabled: mergeQuery.trim().length >= 3,
  });
  const merge = useMutation({
    mutationFn: (sourceId: string) => customersApi.merge(sourceId, c.id),
    onSuccess: () => {
      setMergeQuery('');
      refresh();
    },
  });
  const field = (key: keyof typeof form, label: string) => (
    <>
      <label htmlFor={`c-${key}`}>{label}</label>
      <input id={`c-${key}`} value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />
    </>
  );
  return (
    <section aria-labelledby="edit-title" className="card">
      <h2 id="edit-title">Edit customer</h2>
      <p className="muted">Saved as a data-subject correction: recorded in the audit log and each ticket's history.</p>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          edit.mutate();
        }}
      >
        {field('name', 'Name')}
        {field('company', 'Company')}
        {field('website', 'Website')}
        {field('phone', 'Phone')}
        <button type="submit" disabled={edit.isPending}>
          Save changes
        </button>
        {edit.isSuccess && <p role="status">Saved.</p>}
        {edit.error && (
          <p className="error" role="alert">
            {edit.error.message}
          </p>
        )}
      </form>
      <h3>Addresses</h3>
      <ul className="plain">
        {c.emails.map((e) => (
          <li key={e}>
            {e}{' '}
            {c.emails.length > 1 && (
              <button type="button" className="link" onClick={() => addresses.mutate({ remove: e })}>
                Remove {e}
              </button>
            )}
          </li>
        ))}
      </ul>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          addresses.mutate({ add: address });
        }}
      >
        <label htmlFor="c-address">Add address</label>
        <input id="c-address" type="email" value={address} onChange={(e) => setAddress(e.target.value)} />
        <button type="submit" disabled={!address || addresses.isPending}>
          Add
        </button>
      </form>
      {addresses.error && (
        <p className="error" role="alert">
          {addresses.error.message}
        </p>
      )}
      <h3>Merge another customer into this one</h3>
      <label htmlFor="c-merge">Find the other record (address or name)</label>
      <input id="c-merge" type="search" value={mergeQuery} onChange={(e) => setMergeQuery(e.target.value)} />
      <ul className="plain">
        {(candidates.data ?? [])
          .filter((x) => x.id !== c.id)
          .map((x) => (
            <li key={x.id}>
              {x.name ?? '—'} &lt;{x.email}&gt; · {x.tickets.total} requests{' '}
              <button
                type="button"
                disabled={merge.isPending}
                onClick={() => {
                  if (
                    window.confirm(`Move every request of ${x.email ?? 'this customer'} here and delete that record?`)
                  )
                    merge.mutate(x.id);
                }}
              >
                Merge into this customer
              </button>
            </li>
          ))}
      </ul>
      {merge.isSuccess && <p role="status">Merged {merge.data.tickets} request(s).</p>}
      {merge.error && (
        <p className="error" role="alert">
          {merge.error.message}
        </p>
      )}
    </section>
  );
}
