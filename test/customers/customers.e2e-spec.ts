import { UserRole } from '@app/database';
import { randomUUID } from 'node:crypto';
import {
  api,
  createGroup,
  createTicket,
  staff,
  type FixtureTicket,
  type StaffSession,
} from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

interface Customer {
  id: string;
  name: string | null;
  email: string | null;
  emails: string[];
  company: string | null;
  organisation: { id: string; name: string } | null;
  tickets: { total: number; open: number };
  lastContactAt: string | null;
  consents: Array<{ purpose: string; granted: boolean; policyVersion: string }>;
}
interface Page {
  items: Array<{ id: string; reference: string; subject: string; status: string; sla: unknown }>;
  nextCursor: string | null;
}

/**
 * Customer pages, organisations and the customer-aware search (issue 11), with the visibility
 * promise: an agent outside a ticket's group learns nothing of it from any of them, not even a count.
 */
describe('customers and organisations API', () => {
  let app: TestApp;
  let owner: StaffSession; // agent in Billing
  let outsider: StaffSession; // agent in no group
  let supervisor: StaffSession;
  let admin: StaffSession;
  let billing: string;
  let hidden: FixtureTicket;
  let visibleOpen: FixtureTicket;
  let visibleSolved: FixtureTicket;
  let erikaId: string;
  let loneId: string; // a customer whose only ticket is hidden from the outsider
  const SECRET = 'Secret-subject-4c1d';
  const ERIKA = 'erika@example.org';

  const json = async <T>(res: Response): Promise<T> => {
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    app = await startTestApp();
    owner = await staff(app, UserRole.Agent, 'Owner Agent');
    outsider = await staff(app, UserRole.Agent, 'Outsider Agent');
    supervisor = await staff(app, UserRole.Supervisor, 'Sam Supervisor');
    admin = await staff(app, UserRole.Admin, 'Ada Admin');
    billing = await createGroup(app, 'Billing', [owner.id]);
    visibleSolved = await createTicket(app, { subject: 'Old question', email: ERIKA, status: 'solved' });
    visibleOpen = await createTicket(app, { subject: 'Printer on fire', email: ERIKA, status: 'pending' });
    hidden = await createTicket(app, { subject: SECRET, email: ERIKA, groupId: billing });
    // Newest first is by creation time: give the three distinct, known ones.
    for (const [t, minutes] of [
      [visibleSolved, 30],
      [visibleOpen, 20],
      [hidden, 10],
    ] as const)
      await app.dataSource.query(
        `UPDATE tickets SET created_at = now() - make_interval(mins => $2), last_message_at = now() - make_interval(mins => $2) WHERE id = $1`,
        [t.id, minutes],
      );
    await app.dataSource.query(
      `UPDATE contacts SET name = 'Erika Mustermann', company = 'Example GmbH' WHERE email = $1`,
      [ERIKA],
    );
    [{ id: erikaId }] = await app.dataSource.query<Array<{ id: string }>>('SELECT id FROM contacts WHERE email = $1', [
      ERIKA,
    ]);
    await app.dataSource.query(
      `INSERT INTO consents (contact_id, purpose, granted, source, policy_version) VALUES ($1, 'market_research', true, 'web_form', '2026-01')`,
      [erikaId],
    );
    await createTicket(app, { subject: 'Lone hidden', email: 'lone@secret.example', groupId: billing });
    await app.dataSource.query(`UPDATE contacts SET company = 'Lonely Ltd' WHERE email = 'lone@secret.example'`);
    [{ id: loneId }] = await app.dataSource.query<Array<{ id: string }>>('SELECT id FROM contacts WHERE email = $1', [
      'lone@secret.example',
    ]);
  });
  afterAll(async () => {
    await app.close();
  });

  it('shows a supervisor the whole customer: identity, organisation, consents and every request newest first', async () => {
    const c = await json<Customer>(await api(app, supervisor)('GET', `/api/contacts/${erikaId}`));
    expect(c).toMatchObject({
      name: 'Erika Mustermann',
      emails: [ERIKA],
      company: 'Example GmbH',
      organisation: { name: 'Example GmbH' },
      tickets: { total: 3, open: 2 },
    });
    expect(c.consents).toEqual([
      expect.objectContaining({ purpose: 'market_research', granted: true, policyVersion: '2026-01' }),
    ]);
    const page = await json<Page>(await api(app, supervisor)('GET', `/api/contacts/${erikaId}/tickets`));
    expect(page.items.map((t) => t.id)).toEqual([hidden.id, visibleOpen.id, visibleSolved.id]);
    expect(page.items[0]?.sla).toBeDefined();
    // Keyset paging and the status filter.
    const first = await json<Page>(await api(app, supervisor)('GET', `/api/contacts/${erikaId}/tickets?limit=2`));
    expect(first.items).toHaveLength(2);
    const second = await json<Page>(
      await api(app, supervisor)('GET', `/api/contacts/${erikaId}/tickets?limit=2&cursor=${first.nextCursor}`),
    );
    expect(second.items.map((t) => t.id)).toEqual([visibleSolved.id]);
    expect(second.nextCursor).toBeNull();
    const solved = await json<Page>(
      await api(app, supervisor)('GET', `/api/contacts/${erikaId}/tickets?status=solved`),
    );
    expect(solved.items.map((t) => t.id)).toEqual([visibleSolved.id]);
  });

  it('shows an agent outside the group only the tickets they may open, counts included', async () => {
    const res = await api(app, outsider)('GET', `/api/contacts/${erikaId}`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ tickets: { total: 2, open: 1 } });
    const lastContact = (JSON.parse(text) as Customer).lastContactAt;
    // The hidden ticket's activity (10 minutes ago) is not the last contact the outsider sees.
    expect(new Date(lastContact ?? 0).getTime()).toBeLessThan(Date.now() - 15 * 60_000);
    const tickets = await api(app, outsider)('GET', `/api/contacts/${erikaId}/tickets`);
    const body = await tickets.text();
    expect(body).not.toContain(SECRET);
    expect(body).not.toContain(hidden.id);
    expect((JSON.parse(body) as Page).items.map((t) => t.id)).toEqual([visibleOpen.id, visibleSolved.id]);
    // The owner (in the group) sees all three.
    const mine = await json<Customer>(await api(app, owner)('GET', `/api/contacts/${erikaId}`));
    expect(mine.tickets.total).toBe(3);
  });

  it('hides from the outsider a customer, and an organisation, known only through hidden tickets', async () => {
    for (const path of [`/api/contacts/${loneId}`, `/api/contacts/${loneId}/tickets`]) {
      const res = await api(app, outsider)('GET', path);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('lone@');
    }
    const found = await json<Customer[]>(await api(app, outsider)('GET', '/api/contacts?q=secret.example'));
    expect(found).toEqual([]);
    const orgs = await json<Array<{ name: string; tickets: { total: number } }>>(
      await api(app, outsider)('GET', '/api/organisations'),
    );
    expect(orgs.map((o) => o.name)).toEqual(['Example GmbH']);
    expect(orgs[0]?.tickets.total).toBe(2);
    const all = await json<Array<{ name: string; id: string }>>(
      await api(app, supervisor)('GET', '/api/organisations'),
    );
    expect(all.map((o) => o.name)).toEqual(['Example GmbH', 'Lonely Ltd']);
    const lonely = all.find((o) => o.name === 'Lonely Ltd')!;
    expect((await api(app, outsider)('GET', `/api/organisations/${lonely.id}`)).status).toBe(404);
    expect((await api(app, outsider)('GET', `/api/organisations/${lonely.id}/tickets`)).status).toBe(404);
    expect((await api(app, supervisor)('GET', `/api/organisations/${lonely.id}`)).status).toBe(200);
    // Unknown and malformed ids.
    for (const id of [randomUUID(), 'not-an-id'])
      expect((await api(app, supervisor)('GET', `/api/contacts/${id}`)).status).toBe(404);
  });

  it('lists an organisation’s customers and their requests within visibility', async () => {
    const orgs = await json<Array<{ id: string; name: string }>>(
      await api(app, supervisor)('GET', '/api/organisations?q=example'),
    );
    const example = orgs[0];
    const detail = await json<{ members: Customer[]; tickets: { total: number } }>(
      await api(app, supervisor)('GET', `/api/organisations/${example.id}`),
    );
    expect(detail.members.map((m) => m.email)).toEqual([ERIKA]);
    expect(detail.tickets.total).toBe(3);
    const outsiderPage = await api(app, outsider)('GET', `/api/organisations/${example.id}/tickets`);
    const text = await outsiderPage.text();
    expect(text).not.toContain(SECRET);
    expect((JSON.parse(text) as Page).items).toHaveLength(2);
  });

  it('search finds tickets in every view by address, name, organisation and bare number; customers too', async () => {
    const ids = async (who: StaffSession, q: string) =>
      (await json<Page>(await api(app, who)('GET', `/api/tickets?view=all&q=${encodeURIComponent(q)}`))).items.map(
        (t) => t.id,
      );
    // The pending ticket is found although it is in no "open" view.
    expect(await ids(supervisor, ERIKA)).toEqual(expect.arrayContaining([hidden.id, visibleOpen.id, visibleSolved.id]));
    expect(await ids(supervisor, 'mustermann')).toHaveLength(3);
    expect(await ids(supervisor, 'Example GmbH')).toHaveLength(3);
    expect(await ids(supervisor, String(visibleOpen.number))).toEqual([visibleOpen.id]);
    expect(await ids(supervisor, 'printer')).toEqual([visibleOpen.id]);
    const outsiderIds = await ids(outsider, ERIKA);
    expect(outsiderIds.sort()).toEqual([visibleOpen.id, visibleSolved.id].sort());
    expect(await ids(outsider, String(hidden.number))).toEqual([]);
    const customers = await json<Customer[]>(
      await api(app, outsider)('GET', `/api/contacts?q=${encodeURIComponent('erika@')}`),
    );
    expect(customers.map((c) => [c.email, c.tickets.total])).toEqual([[ERIKA, 2]]);
    // LIKE wildcards are plain characters.
    expect(await json<Customer[]>(await api(app, supervisor)('GET', '/api/contacts?q=%25%25%25'))).toEqual([]);
  });

  it('lets a supervisor edit a customer through the correction path (recorded, audited); agents get 403', async () => {
    const denied = await api(app, owner)('PATCH', `/api/contacts/${erikaId}`, { phone: '+49 30 1' });
    expect(denied.status).toBe(403);
    const bad = await api(app, supervisor)('PATCH', `/api/contacts/${erikaId}`, { email: 'x@example.org' });
    expect(bad.status).toBe(400);
    const res = await api(app, supervisor)('PATCH', `/api/contacts/${erikaId}`, {
      company: 'Muster AG',
      phone: '+49 30 1234567',
    });
    const done = await json<{ requestId: string; fields: string[] }>(res);
    expect(done.fields).toEqual(['company', 'phone']);
    const [dsr] = await app.dataSource.query<Array<{ type: string; status: string; received_by: string }>>(
      'SELECT type, status, received_by FROM data_subject_requests WHERE id = $1',
      [done.requestId],
    );
    expect(dsr).toEqual({ type: 'correction', status: 'done', received_by: `user:${supervisor.id}` });
    const audit = await app.dataSource.query<Array<{ action: string }>>(
      `SELECT action FROM audit_log WHERE target_id IN ($1, $2) ORDER BY id`,
      [erikaId, done.requestId],
    );
    expect(audit.map((a) => a.action)).toEqual(['dsr.received', 'dsr.verified', 'contact.corrected', 'dsr.completed']);
    const history = await app.dataSource.query<Array<{ field: string }>>(
      `SELECT field FROM history_events WHERE ticket_id = $1 AND type = 'contact_corrected' ORDER BY field`,
      [visibleOpen.id],
    );
    expect(history.map((h) => h.field)).toEqual(['contact.company', 'contact.phone']);
    // The organisation follows the company field.
    const c = await json<Customer>(await api(app, supervisor)('GET', `/api/contacts/${erikaId}`));
    expect(c.organisation?.name).toBe('Muster AG');
  });

  it('adds and removes addresses; an address of another customer is refused', async () => {
    const add = await api(app, supervisor)('POST', `/api/contacts/${erikaId}/addresses`, { add: 'Erika@Work.example' });
    expect(add.status).toBe(204);
    const taken = await api(app, supervisor)('POST', `/api/contacts/${erikaId}/addresses`, {
      add: 'lone@secret.example',
    });
    expect(taken.status).toBe(409);
    expect(await taken.text()).not.toContain('lone@');
    let c = await json<Customer>(await api(app, supervisor)('GET', `/api/contacts/${erikaId}`));
    expect(c.emails).toEqual([ERIKA, 'erika@work.example']);
    // Search finds her by the further address.
    const found = await json<Customer[]>(await api(app, supervisor)('GET', '/api/contacts?q=work.example'));
    expect(found.map((f) => f.id)).toEqual([erikaId]);
    expect(
      (await api(app, supervisor)('POST', `/api/contacts/${erikaId}/addresses`, { remove: 'erika@work.example' }))
        .status,
    ).toBe(204);
    c = await json<Customer>(await api(app, supervisor)('GET', `/api/contacts/${erikaId}`));
    expect(c.emails).toEqual([ERIKA]);
    // Removing an address she does not have, or her only one, is refused.
    for (const remove of ['erika@work.example', ERIKA])
      expect((await api(app, supervisor)('POST', `/api/contacts/${erikaId}/addresses`, { remove })).status).toBe(400);
  });

  it('merges two customers: tickets, addresses and consents move, recorded in history and the audit log', async () => {
    const other = await createTicket(app, { subject: 'From my other address', email: 'erika.m@other.example' });
    const [{ id: otherId }] = await app.dataSource.query<Array<{ id: string }>>(
      'SELECT id FROM contacts WHERE email = $1',
      ['erika.m@other.example'],
    );
    await app.dataSource.query(
      `INSERT INTO consents (contact_id, purpose, granted, source, policy_version) VALUES ($1, 'promotional_email', false, 'web_form', '2026-01')`,
      [otherId],
    );
    expect((await api(app, owner)('POST', `/api/contacts/${otherId}/merge`, { targetId: erikaId })).status).toBe(403);
    const res = await api(app, supervisor)('POST', `/api/contacts/${otherId}/merge`, { targetId: erikaId });
    expect(await json<{ tickets: number }>(res)).toEqual({ tickets: 1 });
    const c = await json<Customer>(await api(app, supervisor)('GET', `/api/contacts/${erikaId}`));
    expect(c.emails).toEqual([ERIKA, 'erika.m@other.example']);
    expect(c.tickets.total).toBe(4);
    expect(c.consents.map((x) => x.purpose).sort()).toEqual(['market_research', 'promotional_email']);
    expect((await api(app, supervisor)('GET', `/api/contacts/${otherId}`)).status).toBe(404);
    const [event] = await app.dataSource.query<Array<{ old_value: string; new_value: string }>>(
      `SELECT old_value, new_value FROM history_events WHERE ticket_id = $1 AND type = 'contact_merged'`,
      [other.id],
    );
    expect(event).toEqual({ old_value: otherId, new_value: erikaId });
    const [audit] = await app.dataSource.query<Array<{ details: { sourceId: string } }>>(
      `SELECT details FROM audit_log WHERE action = 'contact.merged' AND target_id = $1`,
      [erikaId],
    );
    expect(audit?.details.sourceId).toBe(otherId);
  });

  it('refuses a merge that would cross an erasure: an erased customer or an open erasure request', async () => {
    await createTicket(app, { subject: 'Erase me', email: 'erase.me@example.net' });
    const [{ id: eraseId }] = await app.dataSource.query<Array<{ id: string }>>(
      'SELECT id FROM contacts WHERE email = $1',
      ['erase.me@example.net'],
    );
    const dsr = await api(app, admin)('POST', '/api/privacy/dsr', { type: 'erasure', contact: eraseId });
    expect(dsr.status).toBe(201);
    const refused = await api(app, supervisor)('POST', `/api/contacts/${eraseId}/merge`, { targetId: erikaId });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toBe('merge_refused');
    await app.dataSource.query(`UPDATE contacts SET email = NULL, name = NULL, anonymized_at = now() WHERE id = $1`, [
      eraseId,
    ]);
    await app.dataSource.query(`UPDATE data_subject_requests SET status = 'done' WHERE contact_id = $1`, [eraseId]);
    expect((await api(app, supervisor)('POST', `/api/contacts/${erikaId}/merge`, { targetId: eraseId })).status).toBe(
      409,
    );
    const [row] = await app.dataSource.query<Array<{ n: number }>>(
      'SELECT count(*)::int AS n FROM tickets WHERE contact_id = $1',
      [erikaId],
    );
    expect(row?.n).toBe(4);
  });

  it('lets admins create organisations with domains that gather customers without a company', async () => {
    expect((await api(app, supervisor)('POST', '/api/organisations', { name: 'Acme' })).status).toBe(403);
    await createTicket(app, { subject: 'Domain member', email: 'kim@acme.example' });
    const res = await api(app, admin)('POST', '/api/organisations', { name: 'Acme', domains: ['ACME.example'] });
    expect(res.status).toBe(201);
    const org = (await res.json()) as { id: string; domains: string[]; customers: number };
    expect(org).toMatchObject({ domains: ['acme.example'], customers: 1 });
    // A later customer of that domain joins on arrival.
    await createTicket(app, { subject: 'Another', email: 'lee@acme.example' });
    const detail = await json<{ members: Customer[] }>(await api(app, admin)('GET', `/api/organisations/${org.id}`));
    expect(detail.members.map((m) => m.email)).toEqual(['kim@acme.example', 'lee@acme.example']);
    const bad = await api(app, admin)('PATCH', `/api/organisations/${org.id}`, { domains: ['not a domain'] });
    expect(bad.status).toBe(400);
    expect((await api(app, admin)('POST', '/api/organisations', { name: 'acme' })).status).toBe(409);
    // A customer can be taken out by hand.
    const lee = detail.members[1];
    expect(
      (await api(app, supervisor)('PUT', `/api/contacts/${lee.id}/organisation`, { organisationId: null })).status,
    ).toBe(204);
    const after = await json<{ members: Customer[] }>(await api(app, admin)('GET', `/api/organisations/${org.id}`));
    expect(after.members).toHaveLength(1);
  });
});
