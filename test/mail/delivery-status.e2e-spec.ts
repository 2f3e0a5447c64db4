import { DeliveryStatus, MessageEntity, UserRole } from '@app/database';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { api, createGroup, createTicket, staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Honest delivery: a reply the SMTP server refuses is shown failed with the server's code, a retry
 * sends it once the cause is gone, and an unsent reply never meets the SLA's first response.
 */
describe('delivery status and retry', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let agent: StaffSession;
  let other: StaffSession;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      worker: true,
      env: { SMTP_URL: sink.url, MAIL_FROM: 'desk@desk.test', QUEUE_ATTEMPTS: '2' },
    });
    agent = await staff(t, UserRole.Agent, 'Rita Retry');
    other = await staff(t, UserRole.Agent, 'Otto Other');
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  async function row(id: string, done: (m: MessageEntity) => boolean, what: string): Promise<MessageEntity> {
    return waitFor(
      async () => {
        const m = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id });
        return done(m) ? m : undefined;
      },
      { what, timeoutMs: 20_000 },
    );
  }

  it('a refused recipient fails the reply with the SMTP code; after the cause is gone, retry sends it', async () => {
    const group = await createGroup(t, 'retry', [agent.id]);
    const ticket = await createTicket(t, { subject: 'Refused', email: 'ruth@customer.test', groupId: group });
    const call = api(t, agent);
    sink.rejectWith(550);
    const res = await call('POST', `/api/tickets/${ticket.id}/replies`, { body: 'First try.' });
    const { messageId } = (await res.json()) as { messageId: string };
    const failed = await row(messageId, (m) => m.deliveryStatus === DeliveryStatus.Failed, 'failed');
    expect(failed.deliveryError).toMatch(/:550$/);
    // Shown to the agent on the ticket, and the unsent reply does not count as the first response.
    const detail = (await (await call('GET', `/api/tickets/${ticket.id}`)).json()) as {
      firstResponseAt: string | null;
      messages: Array<{ id: string; deliveryStatus: string; deliveryError: string }>;
    };
    expect(detail.messages.find((m) => m.id === messageId)).toMatchObject({ deliveryStatus: 'failed' });
    expect(detail.firstResponseAt).toBeNull();
    // Another agent outside the group cannot retry it.
    expect((await api(t, other)('POST', `/api/tickets/${ticket.id}/messages/${messageId}/retry`)).status).toBe(404);

    sink.rejectWith(null);
    const before = sink.messages.length;
    expect((await call('POST', `/api/tickets/${ticket.id}/messages/${messageId}/retry`)).status).toBe(202);
    const sent = await row(messageId, (m) => m.deliveryStatus === DeliveryStatus.Sent, 'sent');
    expect(sent.deliveryError).toBeNull();
    await sink.waitForCount(before + 1);
    expect(sink.messages.slice(before).map((m) => m.to)).toEqual([['ruth@customer.test']]);
    const after = (await (await call('GET', `/api/tickets/${ticket.id}`)).json()) as { firstResponseAt: string | null };
    expect(after.firstResponseAt).toBe(sent.sentAt?.toISOString());
    // Nothing to retry on a sent message.
    const again = await call('POST', `/api/tickets/${ticket.id}/messages/${messageId}/retry`);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toBe('retry_not_possible');
  });
});

/**
 * The SMTP server is down: the reply fails after its attempts and the SLA's first response stays
 * open; once the server is back, a retry sends it and the first response is the acceptance time.
 */
describe('first response with the SMTP server down', () => {
  let t: TestApp;
  let sink: SmtpSink | undefined;
  let port: number;
  let agent: StaffSession;

  beforeAll(async () => {
    const probe = await startSmtpSink();
    port = probe.port;
    await probe.close();
    t = await startTestApp({
      worker: true,
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'desk@desk.test', QUEUE_ATTEMPTS: '2' },
    });
    agent = await staff(t, UserRole.Agent, 'Dana Down');
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  it('is not met by a reply the server never accepted, and is met at acceptance after the retry', async () => {
    const group = await createGroup(t, 'down', [agent.id]);
    const ticket = await createTicket(t, { subject: 'Server down', email: 'dora@customer.test', groupId: group });
    const call = api(t, agent);
    const res = await call('POST', `/api/tickets/${ticket.id}/replies`, { body: 'Are you there?' });
    const { messageId } = (await res.json()) as { messageId: string };
    const repo = t.dataSource.getRepository(MessageEntity);
    const failed = await waitFor(
      async () => {
        const m = await repo.findOneByOrFail({ id: messageId });
        return m.deliveryStatus === DeliveryStatus.Failed ? m : undefined;
      },
      { what: 'failed while the server is down', timeoutMs: 20_000 },
    );
    expect(failed.sentAt).toBeNull();
    const detail = (await (await call('GET', `/api/tickets/${ticket.id}`)).json()) as {
      firstResponseAt: string | null;
    };
    expect(detail.firstResponseAt).toBeNull();

    sink = await startSmtpSink({ port });
    const before = new Date();
    expect((await call('POST', `/api/tickets/${ticket.id}/messages/${messageId}/retry`)).status).toBe(202);
    const sent = await waitFor(
      async () => {
        const m = await repo.findOneByOrFail({ id: messageId });
        return m.deliveryStatus === DeliveryStatus.Sent ? m : undefined;
      },
      { what: 'sent after the retry', timeoutMs: 20_000 },
    );
    await sink.waitForCount(1);
    expect(sent.sentAt!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    const after = (await (await call('GET', `/api/tickets/${ticket.id}`)).json()) as { firstResponseAt: string | null };
    expect(after.firstResponseAt).toBe(sent.sentAt?.toISOString());
  });
});

/** No SMTP_URL at all: the reply waits, says why, and is not a first response. */
describe('delivery without SMTP', () => {
  let t: TestApp;
  let agent: StaffSession;

  beforeAll(async () => {
    t = await startTestApp({ worker: true, env: { MAIL_FROM: 'desk@desk.test' } });
    agent = await staff(t, UserRole.Admin, 'Nora Nosmtp');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps the reply queued with smtp_not_configured, and the composer is told replies will wait', async () => {
    const ticket = await createTicket(t, { subject: 'No SMTP', email: 'sam@customer.test' });
    const call = api(t, agent);
    const { messageId } = (await (await call('POST', `/api/tickets/${ticket.id}/replies`, { body: 'Hi' })).json()) as {
      messageId: string;
    };
    const waiting = await waitFor(
      async () => {
        const m = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: messageId });
        return m.deliveryError === 'smtp_not_configured' ? m : undefined;
      },
      { what: 'smtp_not_configured recorded' },
    );
    expect(waiting.deliveryStatus).toBe(DeliveryStatus.Queued);
    const detail = (await (await call('GET', `/api/tickets/${ticket.id}`)).json()) as {
      firstResponseAt: string | null;
    };
    expect(detail.firstResponseAt).toBeNull();
    const limits = (await (await call('GET', '/api/uploads/limits')).json()) as { smtpConfigured: boolean };
    expect(limits.smtpConfigured).toBe(false);
  });
});
