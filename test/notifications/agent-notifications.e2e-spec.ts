import { AgentNotificationEntity, InboundStatus, TicketEntity, UserRole } from '@app/database';
import { ReplyTokens } from '@app/mail';
import { startSmtpSink, waitFor, type SinkMessage, type SmtpSink } from '@app/testing';
import { api, createTicket, staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { compose, deliver } from '../mail/mail-support';

const SUPPORT = 'support@desk.test';

/**
 * Agent notifications end to end: the worker's scan (every second here) finds assignments,
 * customer replies and SLA targets about to breach, and the outbound queue sends one mail per
 * trigger to the agent through a real SMTP server — never to the customer, never about itself.
 */
describe('agent notifications', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let lead: StaffSession;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      worker: true,
      env: {
        SMTP_URL: sink.url,
        MAIL_FROM: SUPPORT,
        NOTIFY_SCAN_SECONDS: '1',
        NOTIFY_SLA_WARNING_MINUTES: '30',
        NOTIFY_RATE_LIMIT_PER_HOUR: '3',
      },
    });
    lead = await staff(t, UserRole.Supervisor, 'Lena Lead');
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const to = (address: string): SinkMessage[] => sink.messages.filter((m) => m.to.includes(address));
  /** Two scans after the trigger and its settle time: long enough for a mail that should come. */
  const quiet = () => new Promise((r) => setTimeout(r, 4_500));
  const assign = async (who: StaffSession, ticketId: string, assigneeId: string) =>
    expect((await api(t, who)('PATCH', `/api/tickets/${ticketId}`, { assigneeId })).status).toBe(204);

  it('an assignment by someone else mails the assignee once, marked auto-generated; taking it yourself does not', async () => {
    const agent = await staff(t, UserRole.Agent, 'Ada Assigned');
    const ticket = await createTicket(t, { subject: 'Printer on fire', email: 'pat@customer.test' });
    await assign(lead, ticket.id, agent.id);
    const [mail] = await waitFor(() => (to(agent.email).length ? to(agent.email) : undefined), {
      what: 'assignment notification',
      timeoutMs: 15_000,
    });
    const parsed = await mail.parsed();
    expect(parsed.subject).toBe(`Assigned to you: Printer on fire (T-${ticket.number})`);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.text).toContain(`/tickets/${ticket.id}`);
    expect(parsed.messageId).toMatch(/^<notify\.[0-9a-f-]{36}@desk\.test>$/);
    await quiet();
    expect(to(agent.email)).toHaveLength(1);
    expect(to('pat@customer.test')).toHaveLength(0);

    const own = await createTicket(t, { subject: 'Mine now', email: 'pat@customer.test' });
    await assign(agent, own.id, agent.id);
    await quiet();
    expect(to(agent.email)).toHaveLength(1);
  });

  it('a customer reply on an assigned ticket mails the assignee, not the customer', async () => {
    const agent = await staff(t, UserRole.Agent, 'Rob Replied');
    const ticket = await createTicket(t, { subject: 'Refund', email: 'quinn@customer.test', assigneeId: agent.id });
    const row = await deliver(
      t,
      await compose({
        from: 'quinn@customer.test',
        to: SUPPORT,
        subject: `Re: Refund [T-${ticket.number}]`,
        text: 'Any news?',
        messageId: `<${Date.now()}.refund@customer.test>`,
      }),
    );
    expect(row.ticketId).toBe(ticket.id);
    const [mail] = await waitFor(() => (to(agent.email).length ? to(agent.email) : undefined), {
      what: 'customer-replied notification',
      timeoutMs: 15_000,
    });
    expect((await mail.parsed()).subject).toBe(`Customer replied: Refund (T-${ticket.number})`);
    expect((await mail.parsed()).text).not.toContain('Any news?');
    await quiet();
    expect(to(agent.email)).toHaveLength(1);
    expect(to('quinn@customer.test')).toHaveLength(0);
  });

  it('warns once when an SLA target of your ticket is about to breach, not when it is far off', async () => {
    const agent = await staff(t, UserRole.Agent, 'Sal Sla');
    const soon = await createTicket(t, { subject: 'Due soon', email: 'sue@customer.test', assigneeId: agent.id });
    const later = await createTicket(t, { subject: 'Due later', email: 'sue@customer.test', assigneeId: agent.id });
    await t.dataSource.query(
      `UPDATE tickets SET first_response_due_at = now() + CASE WHEN id = $1 THEN interval '10 minutes' ELSE interval '3 hours' END
        WHERE id IN ($1, $2)`,
      [soon.id, later.id],
    );
    const [mail] = await waitFor(() => (to(agent.email).length ? to(agent.email) : undefined), {
      what: 'SLA warning',
      timeoutMs: 15_000,
    });
    expect((await mail.parsed()).subject).toMatch(
      new RegExp(`^First response due in (9|10) min: Due soon \\(T-${soon.number}\\)$`),
    );
    await quiet();
    expect(to(agent.email)).toHaveLength(1);
    expect(to('sue@customer.test')).toHaveLength(0);
  });

  it('respects each preference, and refuses a signature with an unknown placeholder', async () => {
    const agent = await staff(t, UserRole.Agent, 'Pia Prefs');
    const call = api(t, agent);
    const initial = (await (await call('GET', '/api/account/preferences')).json()) as Record<string, unknown>;
    expect(initial).toMatchObject({
      notifyAssigned: true,
      notifyCustomerReplied: true,
      notifySla: true,
      signature: '',
    });
    expect(initial.placeholders).toContain('agent.name');
    const put = await call('PUT', '/api/account/preferences', { notifyAssigned: false, notifySla: false });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ notifyAssigned: false, notifyCustomerReplied: true, notifySla: false });

    const bad = await call('PUT', '/api/account/preferences', { signature: 'Cheers, {{contact.name}}' });
    expect(bad.status).toBe(400);
    const error = (await bad.json()) as { error: string; message: string };
    expect(error.error).toBe('invalid_preferences');
    expect(error.message).toContain('{{contact.name}}');
    expect(error.message).toContain('known: {{customer.name}}');
    expect((await call('PUT', '/api/account/preferences', { notifySla: 'yes' })).status).toBe(400);
    expect((await call('PUT', '/api/account/preferences', { signature: 'Pia\n{{agent.name}}' })).status).toBe(200);

    const assigned = await createTicket(t, { subject: 'Quiet please', email: 'una@customer.test' });
    await assign(lead, assigned.id, agent.id);
    await t.dataSource.query(`UPDATE tickets SET resolution_due_at = now() + interval '5 minutes' WHERE id = $1`, [
      assigned.id,
    ]);
    await quiet();
    expect(to(agent.email)).toHaveLength(0);
    // The one still switched on still comes.
    await deliver(
      t,
      await compose({
        from: 'una@customer.test',
        to: SUPPORT,
        subject: `Re: Quiet please [T-${assigned.number}]`,
        text: 'Hello?',
        messageId: `<${Date.now()}.quiet@customer.test>`,
      }),
    );
    await waitFor(() => (to(agent.email).length ? true : undefined), { what: 'reply notification', timeoutMs: 15_000 });
    expect((await to(agent.email)[0].parsed()).subject).toMatch(/^Customer replied: /);
  });

  it('sends at most NOTIFY_RATE_LIMIT_PER_HOUR per agent and records the rest dropped', async () => {
    const agent = await staff(t, UserRole.Agent, 'Max Many');
    const tickets = [];
    for (let i = 0; i < 5; i++)
      tickets.push(await createTicket(t, { subject: `Busy ${i}`, email: 'vic@customer.test' }));
    for (const ticket of tickets) await assign(lead, ticket.id, agent.id);
    await waitFor(
      async () =>
        (await t.dataSource.getRepository(AgentNotificationEntity).countBy({ userId: agent.id })) === 5 || undefined,
      { what: 'five notification rows', timeoutMs: 15_000 },
    );
    await waitFor(() => (to(agent.email).length >= 3 ? true : undefined), { what: 'three mails', timeoutMs: 15_000 });
    await quiet();
    expect(to(agent.email)).toHaveLength(3);
    const rows = await t.dataSource.getRepository(AgentNotificationEntity).findBy({ userId: agent.id });
    expect(rows.filter((r) => r.status === 'dropped').map((r) => r.reason)).toEqual(['rate_limited', 'rate_limited']);
  });

  it('never mails an agent address that is a mailbox, and a bounced notification makes no ticket and no mail', async () => {
    await t.dataSource.query(
      `INSERT INTO mailboxes (name, address, host, username, password_encrypted, enabled)
       VALUES ('loop-team', 'team.inbox@desk.test', '127.0.0.1', 'team', 'x', false)`,
    );
    const inbox = await staff(t, UserRole.Agent, 'Team Inbox');
    await t.dataSource.query(`UPDATE users SET email = 'team.inbox@desk.test' WHERE id = $1`, [inbox.id]);
    const ticket = await createTicket(t, { subject: 'To the team', email: 'wes@customer.test' });
    await assign(lead, ticket.id, inbox.id);
    const row = await waitFor(
      async () =>
        (await t.dataSource.getRepository(AgentNotificationEntity).findOneBy({ userId: inbox.id })) ?? undefined,
      { what: 'notification row', timeoutMs: 15_000 },
    );
    expect(row).toMatchObject({ status: 'dropped', reason: 'own_address' });
    expect(to('team.inbox@desk.test')).toHaveLength(0);

    // A notification to an address that bounces, and the bounce arriving in a mailbox.
    const tokens = new ReplyTokens(t.config.values.APP_SECRET, SUPPORT);
    const tickets = await t.dataSource.getRepository(TicketEntity).count();
    const before = sink.messages.length;
    const bounced = tokens.notificationMessageId(row.id);
    const report = await deliver(
      t,
      await compose({
        from: 'MAILER-DAEMON@mx.desk.test',
        to: SUPPORT,
        subject: 'Undelivered Mail Returned to Sender',
        messageId: `<${Date.now()}.bounce@mx.desk.test>`,
        headers: { 'Auto-Submitted': 'auto-replied' },
        inReplyTo: bounced,
        references: [bounced],
        text: 'This is the mail system. Your message could not be delivered.',
      }),
    );
    expect(report.status).toBe(InboundStatus.Quarantined);
    expect(report.reason).toBe('own_mail_loop');
    expect(await t.dataSource.getRepository(TicketEntity).count()).toBe(tickets);
    await quiet();
    expect(sink.messages.length).toBe(before);
  });
});
