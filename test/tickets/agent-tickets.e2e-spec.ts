import { DeliveryStatus, MessageEntity, UserRole } from '@app/database';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { compose, deliver } from '../mail/mail-support';
import { api, createGroup, createTicket, staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

interface Detail {
  [key: string]: unknown;
  sla: { firstResponseDueAt: string | null };
  history: Array<{ type: string }>;
  messages: Array<{
    id: string;
    direction: string;
    bodyText: string;
    bodyHtml: string | null;
    attachments: Array<{ filename: string }>;
  }>;
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/**
 * Tickets opened by agents, end to end with the real api, worker and an SMTP server: a phone call
 * sends nothing, an outbound email is the first message (one mail, `[T-n]` subject, our
 * Message-ID) and the customer's answer threads onto it; agents create only in their own groups.
 * Also: internal notes carry attachments.
 */
describe('agent-created tickets', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let agent: StaffSession;
  let supervisor: StaffSession;
  let ownGroup: string;
  let otherGroup: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      worker: true,
      env: { SMTP_URL: sink.url, MAIL_FROM: 'desk@desk.test', MAIL_FROM_NAME: 'Desk', ACK_ENABLED: 'false' },
    });
    agent = await staff(t, UserRole.Agent, 'Alan Agent');
    supervisor = await staff(t, UserRole.Supervisor, 'Sue Supervisor');
    ownGroup = await createGroup(t, 'Phones', [agent.id]);
    otherGroup = await createGroup(t, 'Billing', [supervisor.id]);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  async function detailOf(ticketId: string): Promise<Detail> {
    return (await (await api(t, agent)('GET', `/api/tickets/${ticketId}`)).json()) as Detail;
  }

  async function upload(who: StaffSession, name: string, type: string, data: Buffer): Promise<string> {
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(data)], { type }), name);
    const res = await fetch(`${t.baseUrl}/api/uploads`, {
      method: 'POST',
      headers: { cookie: who.cookie, 'x-csrf-token': who.csrf },
      body: form,
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { uploads: Array<{ id: string }> }).uploads[0].id;
  }

  it('records a phone call for a new contact: channel phone, SLA set, history, attachment, no mail', async () => {
    const fileId = await upload(agent, 'order.pdf', 'application/pdf', PDF);
    const res = await api(t, agent)('POST', '/api/tickets', {
      kind: 'phone',
      contact: { name: 'Paula Phone', email: 'Paula@Customer.test' },
      subject: 'Called about a broken hinge',
      body: 'She called: the hinge broke after two days.',
      groupId: ownGroup,
      priority: 'high',
      tags: ['Hardware', 'call'],
      attachmentIds: [fileId],
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { ticketId: string; reference: string };
    expect(created.reference).toMatch(/^T-\d+$/);

    const detail = await detailOf(created.ticketId);
    expect(detail).toMatchObject({
      channel: 'phone',
      status: 'open',
      priority: 'high',
      groupId: ownGroup,
      assigneeId: agent.id,
      tags: ['call', 'hardware'],
      contact: { name: 'Paula Phone', email: 'paula@customer.test' },
    });
    expect(detail.sla.firstResponseDueAt).not.toBeNull();
    expect(detail.messages).toHaveLength(1);
    expect(detail.messages[0]).toMatchObject({
      direction: 'in',
      internal: false,
      authorUserId: agent.id,
      deliveryStatus: null,
      bodyText: 'She called: the hinge broke after two days.',
    });
    expect(detail.messages[0].attachments).toEqual([
      expect.objectContaining({ filename: 'order.pdf', contentType: 'application/pdf' }),
    ]);
    expect(detail.history.map((h) => h.type)).toEqual(expect.arrayContaining(['ticket_created', 'call_recorded']));
    // Nothing is queued for a phone call: give the worker time, and the sink stays empty.
    await new Promise((r) => setTimeout(r, 1500));
    expect(sink.messages).toHaveLength(0);
  });

  it('sends an outbound email as the first message, and the customer reply threads onto it', async () => {
    const res = await api(t, agent)('POST', '/api/tickets', {
      kind: 'email',
      contact: { name: 'Olive Out', email: 'olive@customer.test' },
      subject: 'Your replacement part',
      html: '<p>Hello Olive, the part <strong>ships today</strong>.</p>',
      cc: ['boss@customer.test'],
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { ticketId: string; reference: string; messageId: string };
    const [mail] = await sink.waitForCount(1, 20_000);
    const parsed = await mail.parsed();
    expect(sink.messages).toHaveLength(1);
    expect(parsed.subject).toBe(`Your replacement part [${created.reference}]`);
    expect(parsed.to && 'text' in parsed.to ? parsed.to.text : '').toContain('olive@customer.test');
    expect(parsed.cc && 'text' in parsed.cc ? parsed.cc.text : '').toContain('boss@customer.test');
    expect(parsed.messageId).toBeTruthy();
    expect(parsed.inReplyTo).toBeUndefined();
    expect(parsed.html).toContain('<strong>ships today</strong>');
    expect(parsed.text).toContain('ships today');

    const sent = await waitFor(
      async () => {
        const m = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: created.messageId });
        return m.deliveryStatus === DeliveryStatus.Sent ? m : undefined;
      },
      { what: 'sent', timeoutMs: 10_000 },
    );
    expect(`<${parsed.messageId!.replace(/^<|>$/g, '')}>`).toBe(sent.messageIdHeader);
    const [row] = await t.dataSource.query<Array<{ channel: string; first_response_at: Date | null }>>(
      'SELECT channel, first_response_at FROM tickets WHERE id = $1',
      [created.ticketId],
    );
    expect(row?.channel).toBe('outbound');
    expect(row?.first_response_at).not.toBeNull();

    // The customer answers with In-Reply-To only (no [T-n] in the subject): it lands on the ticket.
    await deliver(
      t,
      await compose({
        from: 'Olive Out <olive@customer.test>',
        to: 'desk@desk.test',
        subject: 'Thanks!',
        text: 'Great, thank you.',
        inReplyTo: sent.messageIdHeader!,
        references: [sent.messageIdHeader!],
        messageId: '<olive-answer@customer.test>',
      }),
    );
    const detail = await detailOf(created.ticketId);
    expect(detail.messages.map((m) => m.direction)).toEqual(['out', 'in']);
    expect(detail.messages[1].bodyText).toContain('Great, thank you.');
  });

  it('picks an existing contact by id; an agent cannot use a customer they may not see', async () => {
    const visible = await createTicket(t, { subject: 'Earlier', email: 'known@customer.test', groupId: ownGroup });
    const hidden = await createTicket(t, { subject: 'Secret', email: 'hidden@customer.test', groupId: otherGroup });
    const [known] = await t.dataSource.query<Array<{ id: string }>>(
      `SELECT contact_id AS id FROM tickets WHERE id = $1`,
      [visible.id],
    );
    const [secret] = await t.dataSource.query<Array<{ id: string }>>(
      `SELECT contact_id AS id FROM tickets WHERE id = $1`,
      [hidden.id],
    );
    const ok = await api(t, agent)('POST', '/api/tickets', {
      kind: 'phone',
      contactId: known.id,
      subject: 'Follow-up call',
      body: 'Called back.',
    });
    expect(ok.status).toBe(201);
    const refused = await api(t, agent)('POST', '/api/tickets', {
      kind: 'phone',
      contactId: secret.id,
      subject: 'Sneaky',
      body: 'Should not work.',
    });
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: string }).error).toBe('contact_not_found');
  });

  it("refuses an agent's ticket in a group they are not in (403); a supervisor may", async () => {
    const before = await t.dataSource.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM tickets');
    const res = await api(t, agent)('POST', '/api/tickets', {
      kind: 'email',
      contact: { name: 'Gina', email: 'gina@customer.test' },
      subject: 'Not my group',
      body: 'Hello',
      groupId: otherGroup,
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('group_not_allowed');
    const after = await t.dataSource.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM tickets');
    expect(after[0].n).toBe(before[0].n);
    const [contact] = await t.dataSource.query<unknown[]>(`SELECT 1 FROM contacts WHERE email = 'gina@customer.test'`);
    expect(contact).toBeUndefined();

    const bySupervisor = await api(t, supervisor)('POST', '/api/tickets', {
      kind: 'phone',
      contact: { name: 'Gina', email: 'gina@customer.test' },
      subject: 'Billing call',
      body: 'Asked about an invoice.',
      groupId: otherGroup,
      assigneeId: null,
    });
    expect(bySupervisor.status).toBe(201);
    const { ticketId } = (await bySupervisor.json()) as { ticketId: string };
    // The agent cannot open it: 404, as for any ticket they may not see.
    expect((await api(t, agent)('GET', `/api/tickets/${ticketId}`)).status).toBe(404);
  });

  it('refuses bad input clearly: no contact, no subject, cc on a phone call, no CSRF token', async () => {
    const call = api(t, agent);
    const cases: Array<[unknown, string]> = [
      [{ kind: 'phone', subject: 'x', body: 'y' }, 'contactId or contact'],
      [{ kind: 'phone', contact: { name: 'A', email: 'a@b.test' }, subject: ' ', body: 'y' }, 'subject'],
      [{ kind: 'fax', contact: { name: 'A', email: 'a@b.test' }, subject: 's', body: 'y' }, 'kind'],
      [{ kind: 'phone', contact: { name: 'A', email: 'a@b.test' }, subject: 's', body: 'y', cc: ['c@d.test'] }, 'cc'],
      [{ kind: 'email', contact: { name: 'A', email: 'not-an-address' }, subject: 's', body: 'y' }, 'email'],
    ];
    for (const [body, word] of cases) {
      const res = await call('POST', '/api/tickets', body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toContain(word);
    }
    const noCsrf = await call('POST', '/api/tickets', { kind: 'phone' }, { csrf: false });
    expect(noCsrf.status).toBe(403);
  });

  it('keeps attachments on internal notes, and refuses recipients on a note', async () => {
    const ticket = await createTicket(t, { subject: 'Note files', email: 'notes@customer.test', groupId: ownGroup });
    const fileId = await upload(agent, 'call-log.pdf', 'application/pdf', PDF);
    const res = await api(t, agent)('POST', `/api/tickets/${ticket.id}/notes`, {
      html: '<p>See the <em>log</em>.</p>',
      attachmentIds: [fileId],
    });
    expect(res.status).toBe(201);
    const { messageId } = (await res.json()) as { messageId: string };
    const detail = await detailOf(ticket.id);
    const note = detail.messages.find((m) => m.id === messageId)!;
    expect(note).toMatchObject({ internal: true, deliveryStatus: null, bodyText: 'See the log.' });
    expect(note.bodyHtml).toContain('<em>log</em>');
    expect(note.attachments).toEqual([expect.objectContaining({ filename: 'call-log.pdf' })]);
    // The upload is used up.
    expect((await api(t, agent)('DELETE', `/api/uploads/${fileId}`)).status).toBe(404);
    const withCc = await api(t, agent)('POST', `/api/tickets/${ticket.id}/notes`, { body: 'x', cc: ['a@b.test'] });
    expect(withCc.status).toBe(400);
    const plain = await api(t, agent)('POST', `/api/tickets/${ticket.id}/notes`, { body: 'Plain note' });
    expect(plain.status).toBe(201);
  });
});
