import { UserRole } from '@app/database';
import { TicketEventsService } from '@app/tickets';
import { waitFor } from '@app/testing';
import { api, createGroup, createTicket, staff, type StaffSession } from './support/inbox-fixtures';
import { startTestApp, type TestApp } from './support/test-app';

interface Page {
  items: Array<{ id: string; reference: string; subject: string; tags: string[]; sla: { nextDueAt: string | null } }>;
  nextCursor: string | null;
}

describe('agent inbox API', () => {
  let app: TestApp;
  let agent: StaffSession;
  let other: StaffSession;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    app = await startTestApp();
    agent = await staff(app, UserRole.Agent, 'Alice Agent');
    other = await staff(app, UserRole.Agent, 'Bob Agent');
    call = api(app, agent);
  });
  afterAll(async () => {
    await app.close();
  });

  it('changes status, priority, assignee and tags with one history event each, holding no personal data', async () => {
    const t = await createTicket(app, { subject: 'Invoice for Jane Doe', body: 'jane@example.org wrote' });
    const res = await call('PATCH', `/api/tickets/${t.id}`, {
      status: 'pending',
      priority: 'urgent',
      assigneeId: other.id,
      addTags: ['Billing', 'vip'],
    });
    expect(res.status).toBe(204);
    const detail = (await (await call('GET', `/api/tickets/${t.id}`)).json()) as {
      status: string;
      priority: string;
      assigneeId: string;
      tags: string[];
      history: Array<{ type: string; field: string; oldValue: string | null; newValue: string | null }>;
    };
    expect(detail).toMatchObject({
      status: 'pending',
      priority: 'urgent',
      assigneeId: other.id,
      tags: ['billing', 'vip'],
    });
    const changes = detail.history.filter((h) => h.type === 'field_changed');
    expect(changes.map((h) => [h.field, h.oldValue, h.newValue])).toEqual([
      ['status', 'new', 'pending'],
      ['priority', 'normal', 'urgent'],
      ['assignee_id', null, other.id],
      ['tags', '', 'billing,vip'],
    ]);
    const history = JSON.stringify(detail.history);
    expect(history).not.toMatch(/Jane|jane@|Invoice/);
    // Unknown fields and values are refused, not ignored.
    expect((await call('PATCH', `/api/tickets/${t.id}`, { status: 'bogus' })).status).toBe(400);
    expect((await call('PATCH', `/api/tickets/${t.id}`, { subject: 'x' })).status).toBe(400);
  });

  it('stores internal notes as internal messages without a delivery status', async () => {
    const t = await createTicket(app, { subject: 'Note me' });
    const res = await call('POST', `/api/tickets/${t.id}/notes`, { body: 'Called the customer' });
    expect(res.status).toBe(201);
    const rows = await app.dataSource.query<Array<{ internal: boolean; delivery_status: string | null }>>(
      `SELECT internal, delivery_status FROM messages WHERE ticket_id = $1 AND direction = 'out'`,
      [t.id],
    );
    expect(rows).toEqual([{ internal: true, delivery_status: null }]);
  });

  it('finds tickets by words of the subject and of message text, with prefixes, and by reference', async () => {
    const a = await createTicket(app, { subject: 'Printer on fire', body: 'The toner smells of marzipan' });
    await createTicket(app, { subject: 'Unrelated', body: 'nothing here' });
    const search = async (q: string) =>
      ((await (await call('GET', `/api/tickets?q=${encodeURIComponent(q)}`)).json()) as Page).items.map((i) => i.id);
    expect(await search('printer')).toEqual([a.id]);
    expect(await search('marzip')).toEqual([a.id]);
    expect(await search('toner fire')).toEqual([a.id]);
    expect(await search(`T-${a.number}`)).toEqual([a.id]);
    expect(await search('zeppelin')).toEqual([]);
    // Text added later (a follow-up message) is searchable at once.
    await app.dataSource.query(
      `INSERT INTO messages (ticket_id, direction, body_text) VALUES ($1, 'in', 'a zeppelin appeared')`,
      [a.id],
    );
    expect(await search('zeppelin')).toEqual([a.id]);
    // The desk's own acknowledgement (automatic, outbound) is not searched: its text is the same on
    // every ticket. An agent's reply is.
    await app.dataSource.query(
      `INSERT INTO messages (ticket_id, direction, body_text, auto_submitted, delivery_status)
       VALUES ($1, 'out', 'we received your quokka request', true, 'queued'),
              ($1, 'out', 'the wombat is on its way', false, 'queued')`,
      [a.id],
    );
    expect(await search('quokka')).toEqual([]);
    expect(await search('wombat')).toEqual([a.id]);
    // Nor when the document is rebuilt from all messages (any message's text changed).
    await app.dataSource.query(
      `UPDATE messages SET body_text = 'a zeppelin landed' WHERE ticket_id = $1 AND body_text = 'a zeppelin appeared'`,
      [a.id],
    );
    expect(await search('landed')).toEqual([a.id]);
    expect(await search('quokka')).toEqual([]);
    expect(await search('wombat marzipan printer')).toEqual([a.id]);
  });

  it('pages with keyset cursors without gaps or repeats, also for rows sharing a timestamp', async () => {
    const tag = 'paging';
    for (let i = 0; i < 7; i++) {
      const t = await createTicket(app, { subject: `Page ${i}` });
      await app.dataSource.query(
        `UPDATE tickets SET tags = '{paging}', updated_at = '2026-01-01T00:00:00.123456Z' WHERE id = $1`,
        [t.id],
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (
        await call('GET', `/api/tickets?tag=${tag}&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()) as Page;
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect((await call('GET', '/api/tickets?cursor=garbage')).status).toBe(400);
  });

  it('sets SLA due dates from the priority policy, sorts by them and flags breaches', async () => {
    const urgent = await createTicket(app, { subject: 'SLA urgent', priority: 'urgent' });
    const low = await createTicket(app, { subject: 'SLA low', priority: 'low' });
    await app.dataSource.query(`UPDATE tickets SET tags = '{sla}' WHERE id IN ($1, $2)`, [urgent.id, low.id]);
    const page = (await (await call('GET', '/api/tickets?tag=sla&sort=due')).json()) as Page;
    expect(page.items.map((i) => i.id)).toEqual([urgent.id, low.id]);
    const [row] = await app.dataSource.query<Array<{ minutes: number }>>(
      `SELECT round(extract(epoch FROM first_response_due_at - created_at) / 60)::int AS minutes FROM tickets WHERE id = $1`,
      [urgent.id],
    );
    expect(row?.minutes).toBe(60);
    // Created long ago: breached.
    await app.dataSource.query(
      `UPDATE tickets SET created_at = now() - interval '3 days', priority = 'low' WHERE id = $1`,
      [urgent.id],
    );
    await app.dataSource.query(`UPDATE tickets SET priority = 'urgent' WHERE id = $1`, [urgent.id]);
    const detail = (await (await call('GET', `/api/tickets/${urgent.id}`)).json()) as {
      sla: { firstResponseBreached: boolean; resolutionBreached: boolean };
    };
    expect(detail.sla).toMatchObject({ firstResponseBreached: true, resolutionBreached: true });
  });

  it('counts business hours only when the policy says so', async () => {
    const admin = await staff(app, UserRole.Admin, 'Adam Admin');
    const res = await api(app, admin)('PUT', '/api/sla-policies/high', {
      firstResponseMinutes: 120,
      resolutionMinutes: 600,
      businessHours: true,
      timezone: 'UTC',
      dayStartMinute: 540,
      dayEndMinute: 1020,
      workDays: [1, 2, 3, 4, 5],
    });
    expect(res.status).toBe(200);
    const t = await createTicket(app, { subject: 'Friday evening', priority: 'normal' });
    // Friday 16:00 UTC: one working hour left that day, the second on Monday at 10:00.
    await app.dataSource.query(`UPDATE tickets SET created_at = '2026-11-27T16:00:00Z' WHERE id = $1`, [t.id]);
    await app.dataSource.query(`UPDATE tickets SET priority = 'high' WHERE id = $1`, [t.id]);
    const [row] = await app.dataSource.query<Array<{ due: Date; res: Date }>>(
      'SELECT first_response_due_at AS due, resolution_due_at AS res FROM tickets WHERE id = $1',
      [t.id],
    );
    expect(row?.due.toISOString()).toBe('2026-11-30T10:00:00.000Z');
    // 600 min = 1 h Friday + 8 h Monday + 1 h Tuesday.
    expect(row?.res.toISOString()).toBe('2026-12-01T10:00:00.000Z');
  });

  it('merges a ticket: messages move, the source closes and later customer mail follows the target', async () => {
    const source = await createTicket(app, { subject: 'Source', body: 'first question' });
    const target = await createTicket(app, { subject: 'Target', body: 'second question' });
    const res = await call('POST', `/api/tickets/${source.id}/merge`, { targetId: `T-${target.number}` });
    expect(res.status).toBe(200);
    const [src] = await app.dataSource.query<Array<{ status: string; merged_into_id: string }>>(
      'SELECT status, merged_into_id FROM tickets WHERE id = $1',
      [source.id],
    );
    expect(src).toEqual({ status: 'closed', merged_into_id: target.id });
    // A reply threaded to the source ticket (as the intake worker would write it) lands on the target.
    await app.dataSource.query(
      `INSERT INTO messages (ticket_id, direction, body_text) VALUES ($1, 'in', 'later reply')`,
      [source.id],
    );
    const detail = (await (await call('GET', `/api/tickets/${target.id}`)).json()) as {
      messages: Array<{ bodyText: string }>;
      history: Array<{ type: string; field: string; newValue: string }>;
    };
    expect(detail.messages.map((m) => m.bodyText).sort()).toEqual(['first question', 'later reply', 'second question']);
    expect(detail.history).toContainEqual(
      expect.objectContaining({ type: 'merged', field: 'merged_from', newValue: source.id }),
    );
    expect((await call('POST', `/api/tickets/${target.id}/merge`, { targetId: target.id })).status).toBe(400);
    expect((await call('POST', `/api/tickets/${source.id}/merge`, { targetId: target.id })).status).toBe(400);
  });

  it('serves attachments as downloads with nosniff; only raster images inline, SVG never', async () => {
    const evil = '../"evil"\r\n name ☃.svg';
    const t = await createTicket(app, {
      subject: 'Files',
      attachment: { filename: evil, contentType: 'image/svg+xml', data: Buffer.from('<svg onload="alert(1)"/>') },
    });
    const png = await createTicket(app, {
      subject: 'Png',
      attachment: { filename: 'shot.png', contentType: 'image/png', data: Buffer.from('89504e47', 'hex') },
    });
    const svg = await call('GET', `/api/attachments/${t.attachmentId}?inline=1`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('application/octet-stream');
    expect(svg.headers.get('x-content-type-options')).toBe('nosniff');
    const disposition = svg.headers.get('content-disposition') ?? '';
    expect(disposition).toMatch(/^attachment; filename="[^"\\\r\n]*"; filename\*=UTF-8''/);
    expect(disposition).toContain("filename*=UTF-8''..%2F%22evil%22%20name%20%E2%98%83.svg");
    const image = await call('GET', `/api/attachments/${png.attachmentId}?inline=1`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('content-disposition')).toMatch(/^inline; /);
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    const download = await call('GET', `/api/attachments/${png.attachmentId}`);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; /);
  });

  it('fills canned reply placeholders for a ticket', async () => {
    const admin = await staff(app, UserRole.Admin, 'Cora Admin');
    const created = await api(app, admin)('POST', '/api/canned-replies', {
      title: 'Greeting',
      body: 'Hi {{customer.name}}, about {{ticket.reference}}. {{agent.name}}',
    });
    const { id } = (await created.json()) as { id: string };
    const t = await createTicket(app, { subject: 'Canned' });
    const rendered = (await (await call('GET', `/api/canned-replies/${id}/render?ticketId=${t.id}`)).json()) as {
      body: string;
    };
    expect(rendered.body).toBe(`Hi Customer, about T-${t.number}. Alice Agent`);
  });

  it('streams a ticket written by another connection (as the worker does) and presence over SSE', async () => {
    await app.app.get(TicketEventsService).whenListening();
    const controller = new AbortController();
    const res = await fetch(`${app.baseUrl}/api/events`, {
      headers: { cookie: agent.cookie },
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        received += new TextDecoder().decode(value);
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const t = await createTicket(app, { subject: 'Live one' });
    await waitFor(() => received.includes(`"ticketId":"${t.id}"`) && received.includes('event: ticket'), {
      what: 'ticket event',
    });
    expect(received).not.toContain('Live one');
    // Another agent opens the ticket and types.
    expect((await api(app, other)('POST', `/api/tickets/${t.id}/presence`, { typing: true })).status).toBe(204);
    await waitFor(() => received.includes('event: presence') && received.includes(`"userId":"${other.id}"`), {
      what: 'presence event',
    });
    const presence = (await (await call('GET', `/api/tickets/${t.id}/presence`)).json()) as { viewers: unknown[] };
    expect(presence.viewers).toEqual([{ userId: other.id, typing: true }]);
    controller.abort();
    await pump;
  });

  it('counts each view exactly as its list shows it, for a group-scoped agent and a supervisor', async () => {
    const carol = await staff(app, UserRole.Agent, 'Carol Counter');
    const supervisor = await staff(app, UserRole.Supervisor, 'Sam Counter');
    const mine = await createGroup(app, 'Counting mine', [carol.id]);
    const foreign = await createGroup(app, 'Counting foreign');
    // Every part of an agent's scope, an overlap of two parts, and tickets the agent may not see.
    const cases: Array<[string, string | null, string | null]> = [
      ['new', null, null], // no group
      ['open', mine, carol.id], // my group and assigned to me: counted once
      ['open', foreign, carol.id], // assigned to me in a group I am not in
      ['new', foreign, null], // hidden
      ['open', foreign, other.id], // hidden
      ['pending', null, carol.id],
      ['pending', foreign, null], // hidden
      ['solved', mine, null],
      ['closed', foreign, carol.id],
      ['new', mine, null],
    ];
    for (const [status, groupId, assigneeId] of cases)
      await createTicket(app, { subject: `Count ${status}`, status, groupId, assigneeId });

    for (const who of [carol, supervisor]) {
      const get = api(app, who);
      const { counts } = (await (await get('GET', '/api/views')).json()) as { counts: Record<string, number> };
      const listed: Record<string, number> = {};
      for (const view of Object.keys(counts)) {
        let n = 0;
        let cursor: string | null = null;
        do {
          const page = (await (
            await get('GET', `/api/tickets?view=${view}&limit=100${cursor ? `&cursor=${cursor}` : ''}`)
          ).json()) as Page;
          n += page.items.length;
          cursor = page.nextCursor;
        } while (cursor);
        listed[view] = n;
      }
      expect(counts).toEqual(listed);
    }
    const { counts } = (await (await api(app, carol)('GET', '/api/views')).json()) as {
      counts: Record<string, number>;
    };
    // Carol's own tickets: the two open ones (my group, foreign group) — the pending one is not "open".
    expect(counts.mine).toBe(2);
  });
});
