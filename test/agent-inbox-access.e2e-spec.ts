import { UserRole } from '@app/database';
import { waitFor } from '@app/testing';
import { TicketEventsService } from '@app/tickets';
import { randomUUID } from 'node:crypto';
import { api, createGroup, createTicket, staff, type FixtureTicket, type StaffSession } from './support/inbox-fixtures';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Authorization matrix of the agent API: roles × endpoints × (someone else's ticket, a
 * nonexistent id, a malformed id) and unauthenticated callers. Denied means 401/403/404 and no
 * data: the hidden ticket's subject, body and filename never appear in a response.
 */
describe('agent API authorization matrix', () => {
  let app: TestApp;
  let owner: StaffSession; // agent in the "Billing" group, assignee of the hidden ticket
  let outsider: StaffSession; // agent in no group
  let supervisor: StaffSession;
  let admin: StaffSession;
  let hidden: FixtureTicket; // group Billing, assigned to owner
  let open: FixtureTicket; // no group: every member of staff sees it
  let cannedId: string;
  const SECRET_SUBJECT = 'Hidden-subject-7f3a';
  const SECRET_BODY = 'hidden-body-91bc';
  const SECRET_FILE = 'hidden-file-5d2e.pdf';

  beforeAll(async () => {
    app = await startTestApp();
    owner = await staff(app, UserRole.Agent, 'Owner Agent');
    outsider = await staff(app, UserRole.Agent, 'Outsider Agent');
    supervisor = await staff(app, UserRole.Supervisor, 'Sam Supervisor');
    admin = await staff(app, UserRole.Admin, 'Ada Admin');
    const billing = await createGroup(app, 'Billing', [owner.id]);
    hidden = await createTicket(app, {
      subject: SECRET_SUBJECT,
      body: SECRET_BODY,
      groupId: billing,
      assigneeId: owner.id,
      attachment: { filename: SECRET_FILE, contentType: 'application/pdf', data: Buffer.from('%PDF-1.4') },
    });
    open = await createTicket(app, { subject: 'Open to all', body: 'visible body' });
    const created = await api(app, admin)('POST', '/api/canned-replies', { title: 'Hi', body: 'Hi {{customer.name}}' });
    cannedId = ((await created.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await app.close();
  });

  type Endpoint = { name: string; method: string; path: (id: string) => string; body?: (id: string) => unknown };
  const endpoints = (): Endpoint[] => [
    { name: 'read ticket', method: 'GET', path: (id) => `/api/tickets/${id}` },
    { name: 'change ticket', method: 'PATCH', path: (id) => `/api/tickets/${id}`, body: () => ({ priority: 'high' }) },
    { name: 'internal note', method: 'POST', path: (id) => `/api/tickets/${id}/notes`, body: () => ({ body: 'x' }) },
    {
      name: 'merge from',
      method: 'POST',
      path: (id) => `/api/tickets/${id}/merge`,
      body: () => ({ targetId: open.id }),
    },
    {
      name: 'merge into',
      method: 'POST',
      path: () => `/api/tickets/${open.id}/merge`,
      body: (id) => ({ targetId: id }),
    },
    { name: 'presence read', method: 'GET', path: (id) => `/api/tickets/${id}/presence` },
    { name: 'presence heartbeat', method: 'POST', path: (id) => `/api/tickets/${id}/presence`, body: () => ({}) },
    {
      name: 'canned reply render',
      method: 'GET',
      path: (id) => `/api/canned-replies/${cannedId}/render?ticketId=${id}`,
    },
  ];

  async function expectDenied(res: Response, statuses: number[]): Promise<void> {
    const text = await res.text();
    expect(statuses).toContain(res.status);
    expect(text).not.toContain(SECRET_SUBJECT);
    expect(text).not.toContain(SECRET_BODY);
    expect(text).not.toContain(SECRET_FILE);
  }

  it('lets the owner, supervisors and admins read the group ticket (the denials below are real)', async () => {
    for (const who of [owner, supervisor, admin]) {
      const res = await api(app, who)('GET', `/api/tickets/${hidden.id}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(SECRET_SUBJECT);
      const file = await api(app, who)('GET', `/api/attachments/${hidden.attachmentId}`);
      expect(file.status).toBe(200);
    }
  });

  it('answers 404 with no data to an agent outside the group, on every ticket endpoint', async () => {
    for (const e of endpoints()) {
      const res = await api(app, outsider)(e.method, e.path(hidden.id), e.body?.(hidden.id));
      await expectDenied(res, [404]);
    }
    await expectDenied(await api(app, outsider)('GET', `/api/attachments/${hidden.attachmentId}`), [404]);
    // The ticket was not changed by any of those calls.
    const [row] = await app.dataSource.query<Array<{ priority: string; merged_into_id: string | null }>>(
      'SELECT priority, merged_into_id FROM tickets WHERE id = $1',
      [hidden.id],
    );
    expect(row).toEqual({ priority: 'normal', merged_into_id: null });
    const notes = await app.dataSource.query<unknown[]>('SELECT 1 FROM messages WHERE ticket_id = $1 AND internal', [
      hidden.id,
    ]);
    expect(notes).toHaveLength(0);
  });

  it('keeps the hidden ticket out of the outsider’s lists, search, counts and bulk actions', async () => {
    const call = api(app, outsider);
    for (const query of ['', '?view=open', `?q=${SECRET_SUBJECT}`, `?q=T-${hidden.number}`, '?assignee=' + owner.id]) {
      const res = await call('GET', `/api/tickets${query}`);
      expect(res.status).toBe(200);
      await expectDenied(res, [200]);
    }
    const counts = (await (await call('GET', '/api/views')).json()) as { counts: Record<string, number> };
    expect(counts.counts.open).toBe(1);
    const supervisorCounts = (await (await api(app, supervisor)('GET', '/api/views')).json()) as {
      counts: Record<string, number>;
    };
    expect(supervisorCounts.counts.open).toBe(2);

    const bulk = await call('POST', '/api/tickets/bulk', {
      ticketIds: [hidden.id, open.id],
      change: { addTags: ['x'] },
    });
    expect(bulk.status).toBe(200);
    expect(await bulk.json()).toEqual({ updated: [open.id], notFound: [hidden.id] });
    const [row] = await app.dataSource.query<Array<{ tags: string[] }>>('SELECT tags FROM tickets WHERE id = $1', [
      hidden.id,
    ]);
    expect(row?.tags).toEqual([]);
  });

  it('answers 404 for nonexistent and malformed ids, whatever the role', async () => {
    for (const who of [owner, outsider, supervisor, admin]) {
      for (const id of [randomUUID(), 'not-an-id', 'T-999999999']) {
        for (const e of endpoints()) {
          const res = await api(app, who)(e.method, e.path(id), e.body?.(id));
          await expectDenied(res, [404]);
        }
        await expectDenied(await api(app, who)('GET', `/api/attachments/${id}`), [404]);
      }
    }
  });

  it('accepts the T-reference wherever it accepts the id, and hides it alike', async () => {
    const reply = {
      name: 'reply',
      method: 'POST',
      path: (id: string) => `/api/tickets/${id}/replies`,
      body: () => ({ body: 'Hello' }),
    };
    for (const e of [...endpoints(), reply]) {
      // A fresh ticket per endpoint (merging changes it), in the owner's group.
      const billing = await createGroup(app, `Billing ${e.name}`, [owner.id]);
      const target = await createTicket(app, { subject: `By reference: ${e.name}`, groupId: billing });
      const reference = `T-${target.number}`;
      await expectDenied(await api(app, outsider)(e.method, e.path(reference), e.body?.(reference)), [404]);
      const res = await api(app, owner)(e.method, e.path(reference), e.body?.(reference));
      expect({ endpoint: e.name, ok: res.ok }).toEqual({ endpoint: e.name, ok: true });
    }
    // A bulk action takes references too.
    const bulkTicket = await createTicket(app, { subject: 'Bulk by reference' });
    const bulk = await api(app, owner)('POST', '/api/tickets/bulk', {
      ticketIds: [`T-${bulkTicket.number}`, 'T-999999999'],
      change: { addTags: ['by-ref'] },
    });
    expect(await bulk.json()).toEqual({ updated: [`T-${bulkTicket.number}`], notFound: ['T-999999999'] });
    const [row] = await app.dataSource.query<Array<{ tags: string[] }>>('SELECT tags FROM tickets WHERE id = $1', [
      bulkTicket.id,
    ]);
    expect(row?.tags).toEqual(['by-ref']);
  });

  it('answers 401 to callers without a session on every agent endpoint', async () => {
    const anonymous = api(app, null);
    const paths: Array<[string, string]> = [
      ...endpoints().map((e) => [e.method, e.path(hidden.id)] as [string, string]),
      ['GET', '/api/tickets'],
      ['POST', '/api/tickets/bulk'],
      ['GET', '/api/views'],
      ['GET', '/api/events'],
      ['GET', `/api/attachments/${hidden.attachmentId}`],
      ['GET', '/api/canned-replies'],
      ['GET', '/api/sla-policies'],
      ['GET', '/api/users'],
      ['GET', '/api/groups'],
      ['GET', '/api/mailboxes'],
      ['GET', '/api/tags'],
    ];
    for (const [method, path] of paths)
      await expectDenied(await anonymous(method, path, method === 'GET' ? undefined : {}), [401]);
    // A forged cookie is no better.
    const forged = await fetch(`${app.baseUrl}/api/tickets/${hidden.id}`, {
      headers: { cookie: 'intake_session=forged-token' },
    });
    await expectDenied(forged, [401]);
  });

  it('refuses changes without the CSRF header (403), even from the owner', async () => {
    for (const e of endpoints().filter((x) => x.method !== 'GET')) {
      const res = await api(app, owner)(e.method, e.path(hidden.id), e.body?.(hidden.id), { csrf: false });
      await expectDenied(res, [403]);
    }
  });

  it('streams presence only for tickets the agent may see', async () => {
    await app.app.get(TicketEventsService).whenListening();
    const controller = new AbortController();
    const res = await fetch(`${app.baseUrl}/api/events`, {
      headers: { cookie: outsider.cookie },
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        received += new TextDecoder().decode(value);
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 200));
      // The owner views the hidden ticket first, then the open one: the stream is ordered, so once
      // the open ticket's presence arrives, the hidden one's would have arrived before it.
      expect((await api(app, owner)('POST', `/api/tickets/${hidden.id}/presence`, { typing: true })).status).toBe(204);
      expect((await api(app, owner)('POST', `/api/tickets/${open.id}/presence`, {})).status).toBe(204);
      await waitFor(() => received.includes(`"ticketId":"${open.id}"`), { what: 'presence on the open ticket' });
      expect(received).toContain('event: presence');
      expect(received).not.toContain(hidden.id);
    } finally {
      controller.abort();
      await pump;
      await api(app, owner)('POST', `/api/tickets/${hidden.id}/presence`, { leaving: true });
      await api(app, owner)('POST', `/api/tickets/${open.id}/presence`, { leaving: true });
    }
  });

  it('keeps role-restricted endpoints to their roles', async () => {
    const policy = { firstResponseMinutes: 30, resolutionMinutes: 120 };
    for (const who of [owner, supervisor]) {
      expect((await api(app, who)('PUT', '/api/sla-policies/urgent', policy)).status).toBe(403);
    }
    expect((await api(app, admin)('PUT', '/api/sla-policies/urgent', policy)).status).toBe(200);
    expect((await api(app, owner)('POST', '/api/canned-replies', { title: 'A', body: 'b' })).status).toBe(403);
    expect((await api(app, owner)('DELETE', `/api/canned-replies/${cannedId}`)).status).toBe(403);
    expect((await api(app, supervisor)('POST', '/api/canned-replies', { title: 'B', body: 'b' })).status).toBe(201);
  });

  it("lists every group to every member of staff, saying which are the caller's own", async () => {
    const groupsOf = async (who: StaffSession) =>
      (
        (await (await api(app, who)('GET', '/api/groups')).json()) as {
          items: Array<{ name: string; member: boolean }>;
        }
      ).items.find((g) => g.name === 'Billing');
    expect(await groupsOf(owner)).toEqual(expect.objectContaining({ member: true }));
    expect(await groupsOf(outsider)).toEqual(expect.objectContaining({ member: false }));
    expect(await groupsOf(supervisor)).toEqual(expect.objectContaining({ member: false }));
  });
});
