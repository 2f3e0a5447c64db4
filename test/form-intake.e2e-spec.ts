import {
  ConsentEntity,
  ContactEntity,
  InboundMessageEntity,
  InboundStatus,
  MessageDirection,
  MessageEntity,
  TicketEntity,
  AttachmentEntity,
  AttachmentStorage,
  HistoryEventEntity,
  InboundKind,
} from '@app/database';
import { encodeFormPayload, ProcessInboundHandler } from '@app/intake';
import { JobName, QueueName, QueueService } from '@app/queue';
import { waitFor } from '@app/testing';
import { createHash } from 'node:crypto';
import { startTestApp, type TestApp } from './support/test-app';

const form = {
  name: 'Grace Hopper',
  email: 'Grace.Hopper@Example.org',
  subject: 'Compiler says no',
  message: 'It worked yesterday.',
};

async function post(app: TestApp, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.baseUrl}/api/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('web form → queue → worker → ticket', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ worker: true });
  });
  afterAll(async () => {
    await app.close();
  });

  it('turns a JSON request into one ticket with contact, message, history and consents, and drops the raw payload', async () => {
    const res = await post(app, { ...form, consentMarketResearch: true });
    expect(res.status).toBe(202);
    const { reference } = (await res.json()) as { reference: string };
    expect(reference).toMatch(/^T-\d+$/);
    const number = Number(reference.slice(2));

    const ticket = await waitFor(
      () =>
        app.dataSource
          .getRepository(TicketEntity)
          .findOne({ where: { number } })
          .then((t) => t ?? undefined),
      {
        what: 'ticket',
      },
    );
    expect(ticket.subject).toBe(form.subject);
    expect(ticket.channel).toBe('form');
    expect(ticket.status).toBe('new');

    const contact = await app.dataSource.getRepository(ContactEntity).findOneByOrFail({ id: ticket.contactId });
    expect(contact.email).toBe('grace.hopper@example.org');
    expect(contact.name).toBe('Grace Hopper');

    // Inbound only: the ticket also holds the queued acknowledgement (issue 4).
    const messages = await app.dataSource
      .getRepository(MessageEntity)
      .findBy({ ticketId: ticket.id, direction: MessageDirection.In });
    expect(messages).toHaveLength(1);
    expect(messages[0]?.bodyText).toBe(form.message);

    const inbound = await app.dataSource.getRepository(InboundMessageEntity).findOneByOrFail({ ticketId: ticket.id });
    expect(inbound.status).toBe(InboundStatus.Processed);
    expect(inbound.raw).toBeNull();

    const consents = await app.dataSource.getRepository(ConsentEntity).findBy({ contactId: contact.id });
    expect(consents.map((c) => [c.purpose, c.granted, c.source])).toEqual([['market_research', true, 'web_form']]);
    expect(consents[0]?.ipHash).toMatch(/^[0-9a-f]{64}$/);

    const history = await app.dataSource.getRepository(HistoryEventEntity).findBy({ ticketId: ticket.id });
    expect(history.map((h) => h.type).sort()).toEqual(['acknowledgement_queued', 'message_received', 'ticket_created']);
    // History holds no personal values.
    expect(JSON.stringify(history)).not.toMatch(/grace|hopper|compiler/i);

    // This desk has no SMTP_URL: the acknowledgement's send job leaves it queued, with the reason
    // the agent sees, for a worker with a transport to send later (never marked sent or failed).
    const ack = await waitFor(
      () =>
        app.dataSource
          .getRepository(MessageEntity)
          .findOneBy({ ticketId: ticket.id, direction: MessageDirection.Out })
          .then((m) => (m?.deliveryError ? m : undefined)),
      { what: 'acknowledgement send job' },
    );
    expect([ack.deliveryStatus, ack.deliveryError]).toEqual(['queued', 'smtp_not_configured']);
  });

  it('reuses the contact for the same address', async () => {
    const res = await post(app, { ...form, email: 'grace.hopper@example.org', subject: 'Second question' });
    const { reference } = (await res.json()) as { reference: string };
    const ticket = await waitFor(() =>
      app.dataSource
        .getRepository(TicketEntity)
        .findOne({ where: { number: Number(reference.slice(2)) } })
        .then((t) => t ?? undefined),
    );
    expect(await app.dataSource.getRepository(ContactEntity).countBy({ email: 'grace.hopper@example.org' })).toBe(1);
    const first = await app.dataSource.getRepository(TicketEntity).findOneByOrFail({ subject: form.subject });
    expect(ticket.contactId).toBe(first.contactId);
  });

  it('accepts multipart with attachments and stores their bytes intact', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(50_000, 7)]);
    const body = new FormData();
    for (const [k, v] of Object.entries(form)) body.append(k, v);
    body.append('attachments', new Blob([pdf], { type: 'application/pdf' }), 'invoice.pdf');
    const res = await fetch(`${app.baseUrl}/api/requests`, { method: 'POST', body });
    expect(res.status).toBe(202);
    const { reference } = (await res.json()) as { reference: string };
    const ticket = await waitFor(() =>
      app.dataSource
        .getRepository(TicketEntity)
        .findOne({ where: { number: Number(reference.slice(2)) } })
        .then((t) => t ?? undefined),
    );
    const message = await app.dataSource.getRepository(MessageEntity).findOneByOrFail({ ticketId: ticket.id });
    const [attachment] = await app.dataSource.getRepository(AttachmentEntity).findBy({ messageId: message.id });
    expect(attachment?.filename).toBe('invoice.pdf');
    expect(attachment?.size).toBe(pdf.length);
    expect(attachment?.sha256).toBe(createHash('sha256').update(pdf).digest('hex'));
    const stored = await app.app.get(AttachmentStorage).get(attachment?.storageKey ?? '');
    expect(stored?.equals(pdf)).toBe(true);
  });

  it('processes the same job twice into one ticket and one message', async () => {
    const before = await app.dataSource.getRepository(TicketEntity).count();
    // Stage a row without enqueueing it, so the running worker cannot race the direct calls.
    const raw = encodeFormPayload({
      version: 1,
      ...form,
      subject: 'Twice',
      consents: { promotionalEmail: false, marketResearch: false },
      policyVersion: 'test',
      ipHash: null,
      submittedAt: new Date().toISOString(),
      attachments: [],
    });
    const inbound = await app.dataSource
      .getRepository(InboundMessageEntity)
      .save({ kind: InboundKind.Form, raw, size: raw.length, sha256: createHash('sha256').update(raw).digest('hex') });
    const handler = app.app.get(ProcessInboundHandler);
    const meta = { jobId: inbound.id, attemptsMade: 0, maxAttempts: 3 };
    const results = await Promise.all([
      handler.handle({ inboundMessageId: inbound.id }, meta),
      handler.handle({ inboundMessageId: inbound.id }, meta),
    ]);
    await handler.handle({ inboundMessageId: inbound.id }, meta);
    // And once more through the queue with a fresh job id, as a redelivery would.
    await app.app
      .get(QueueService)
      .add({ name: JobName.ProcessInbound, data: { inboundMessageId: inbound.id } }, { jobId: `${inbound.id}-again` });
    await waitFor(
      async () =>
        (await app.app.get(QueueService).queue(QueueName.Intake).getJobCounts('waiting', 'active')).waiting === 0,
    );
    await new Promise((r) => setTimeout(r, 300));

    expect(results.map((r) => r.outcome)).toContain('created');
    expect(await app.dataSource.getRepository(TicketEntity).count()).toBe(before + 1);
    expect(await app.dataSource.getRepository(MessageEntity).countBy({ inboundMessageId: inbound.id })).toBe(1);
  });

  it('rejects invalid input with field-level 400 and stores nothing', async () => {
    const before = await app.dataSource.getRepository(InboundMessageEntity).count();
    const res = await post(app, {
      name: 'Eve\r\nBcc: all@example.org',
      email: 'not-an-email',
      subject: '',
      message: '',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; fields: Record<string, string> };
    expect(body.error).toBe('validation_failed');
    expect(Object.keys(body.fields).sort()).toEqual(['email', 'message', 'name', 'subject']);
    expect(JSON.stringify(body)).not.toContain('all@example.org');
    expect(await app.dataSource.getRepository(InboundMessageEntity).count()).toBe(before);
  });

  it('rejects an oversized attachment with 413 and stores nothing', async () => {
    const before = await app.dataSource.getRepository(InboundMessageEntity).count();
    const body = new FormData();
    for (const [k, v] of Object.entries(form)) body.append(k, v);
    body.append('attachments', new Blob([Buffer.alloc(app.config.values.FORM_MAX_ATTACHMENT_BYTES + 1)]), 'big.bin');
    const res = await fetch(`${app.baseUrl}/api/requests`, { method: 'POST', body });
    expect(res.status).toBe(413);
    expect(await app.dataSource.getRepository(InboundMessageEntity).count()).toBe(before);
  });

  it('answers a filled honeypot like a success but stores nothing', async () => {
    const before = await app.dataSource.getRepository(InboundMessageEntity).count();
    const res = await post(app, { ...form, website: 'http://spam.example' });
    expect(res.status).toBe(202);
    // Looks like any other answer (issue 13): a real-looking reference, never the tell-tale T-0.
    const { reference } = (await res.json()) as { reference: string };
    expect(reference).toMatch(/^T-[1-9]\d*$/);
    expect(await app.dataSource.getRepository(InboundMessageEntity).count()).toBe(before);
  });

  it('keeps no personal data in the queue: job payloads carry ids only', async () => {
    await post(app, { ...form, name: 'Zebulon Quartermaine', email: 'zebulon.q@example.net' });
    const entries = await app.redis.dump();
    expect(entries.length).toBeGreaterThan(0);
    for (const { key, value } of entries) expect(`${key} ${value}`).not.toMatch(/zebulon|quartermaine/i);
  });

  it('serves an accessible form page at /support with unticked consent boxes', async () => {
    const res = await fetch(`${app.baseUrl}/support`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<label for="email">');
    expect(html).toMatch(/id="consentPromotionalEmail" name="consentPromotionalEmail" type="checkbox" value="true">/);
    expect(html).not.toMatch(/checked/);
  });

  it('redirects a browser form post to a confirmation page with the reference', async () => {
    const body = new URLSearchParams(form);
    const res = await fetch(`${app.baseUrl}/api/requests`, {
      method: 'POST',
      body,
      headers: { accept: 'text/html' },
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/support\/sent\?reference=T-\d+$/);
  });
});
