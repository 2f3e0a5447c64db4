import { DeliveryStatus, MessageEntity, TicketEntity, UserRole } from '@app/database';
import { PasswordCipher } from '@app/mail';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { api, createGroup, createTicket, staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/**
 * Rich replies end to end: the real api and worker, a real SMTP server. What leaves the desk is
 * checked as MIME (multipart/alternative, attachments, cid images, Cc, Bcc only in the envelope,
 * threading headers, the mailbox's From and signature), and what each role may do.
 */
describe('rich replies, attachments, CC/BCC, forward and per-mailbox identity', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let admin: StaffSession;
  let agent: StaffSession;
  let outsider: StaffSession;
  let mailboxId: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      worker: true,
      env: { SMTP_URL: sink.url, MAIL_FROM: 'desk@desk.test', MAIL_FROM_NAME: 'Desk', QUEUE_ATTEMPTS: '3' },
    });
    admin = await staff(t, UserRole.Admin, 'Ada Admin');
    agent = await staff(t, UserRole.Agent, 'Alan Agent');
    outsider = await staff(t, UserRole.Agent, 'Olga Outsider');
    const cipher = t.app.get(PasswordCipher);
    const [mb] = await t.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO mailboxes (name, address, host, username, password_encrypted, from_name, signature)
       VALUES ('Billing', 'billing@shop.test', '127.0.0.1', 'billing', $1, 'Shop Billing',
               'Kind regards, {{agent.name}}\nShop Billing — {{ticket.reference}}') RETURNING id`,
      [cipher.encrypt('x')],
    );
    mailboxId = mb.id;
    await t.dataSource.query(`INSERT INTO agent_preferences (user_id, signature) VALUES ($1, 'Alan (ext. 42)')`, [
      agent.id,
    ]);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  async function groupTicket(subject: string, email: string) {
    const group = await createGroup(t, `g-${subject}`, [agent.id]);
    const ticket = await createTicket(t, { subject, email, groupId: group });
    await t.dataSource.query(`UPDATE tickets SET mailbox_id = $2 WHERE id = $1`, [ticket.id, mailboxId]);
    await t.dataSource.query(`UPDATE messages SET cc = $2 WHERE id = $1`, [ticket.messageId, ['boss@customer.test']]);
    return ticket;
  }

  async function upload(who: StaffSession, files: Array<{ name: string; type: string; data: Buffer }>) {
    const form = new FormData();
    for (const f of files) form.append('files', new Blob([new Uint8Array(f.data)], { type: f.type }), f.name);
    const res = await fetch(`${t.baseUrl}/api/uploads`, {
      method: 'POST',
      headers: { cookie: who.cookie, 'x-csrf-token': who.csrf },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as { uploads: Array<{ id: string; contentType: string }> } };
  }

  async function settled(messageId: string): Promise<MessageEntity> {
    return waitFor(
      async () => {
        const m = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: messageId });
        return m.deliveryStatus === DeliveryStatus.Sent || m.deliveryStatus === DeliveryStatus.Failed ? m : undefined;
      },
      { what: 'sent or failed', timeoutMs: 20_000 },
    );
  }

  it('sends a formatted reply as multipart/alternative with an attachment, an inline cid image, Cc, hidden Bcc, the mailbox identity and threading', async () => {
    const ticket = await groupTicket('Invoice 7', 'carla@customer.test');
    const inbound = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: ticket.messageId });
    const up = await upload(agent, [
      { name: 'invoice.pdf', type: 'application/pdf', data: PDF },
      { name: 'chart.png', type: 'image/png', data: PNG },
    ]);
    expect(up.status).toBe(201);
    const [pdf, png] = up.body.uploads;
    const before = sink.messages.length;
    const res = await api(t, agent)('POST', `/api/tickets/${ticket.id}/replies`, {
      html: `<p>Hello <strong>Carla</strong>, see <a href="https://shop.test/help">help</a>.</p>
             <img src="/api/uploads/${png.id}/content" alt="chart"><script>alert(1)</script>
             <p onclick="steal()">Thanks</p>`,
      cc: ['Boss@Customer.test'],
      bcc: ['audit@shop.test'],
      attachmentIds: [pdf.id],
    });
    expect(res.status).toBe(202);
    const { messageId } = (await res.json()) as { messageId: string };
    const row = await settled(messageId);
    expect(row.deliveryStatus).toBe(DeliveryStatus.Sent);
    expect(row.sentAt).not.toBeNull();

    const [mail] = (await sink.waitForCount(before + 1)).slice(before);
    // Envelope: customer, Cc and Bcc; headers: never the Bcc.
    expect(mail.to.sort()).toEqual(['audit@shop.test', 'boss@customer.test', 'carla@customer.test']);
    expect(mail.from).toBe('billing@shop.test');
    const raw = mail.raw.toString('latin1');
    expect(raw).not.toMatch(/audit@shop\.test/);
    expect(raw).toMatch(/Content-Type: multipart\/alternative/i);
    const parsed = await mail.parsed();
    expect(parsed.from?.value[0]).toEqual({ address: 'billing@shop.test', name: 'Shop Billing' });
    expect(parsed.cc && !Array.isArray(parsed.cc) ? parsed.cc.value.map((a) => a.address) : []).toEqual([
      'boss@customer.test',
    ]);
    expect(parsed.subject).toBe(`Re: Invoice 7 [T-${ticket.number}]`);
    expect(parsed.inReplyTo).toBe(inbound.messageIdHeader);
    expect(parsed.references).toContain(inbound.messageIdHeader);
    // The signed plus-address of the answering mailbox.
    expect(parsed.replyTo?.value[0]?.address).toMatch(
      new RegExp(`^billing\\+t${ticket.number}-[0-9a-f]{16}@shop\\.test$`),
    );
    // HTML sanitised, text derived, signatures with placeholders filled (agent's, then mailbox's).
    expect(parsed.html).toContain('<strong>Carla</strong>');
    expect(parsed.html).not.toMatch(/script|onclick|alert/);
    expect(parsed.text).toContain('Hello Carla');
    expect(parsed.text).toContain('Alan (ext. 42)');
    expect(parsed.text).toContain(`Kind regards, Alan Agent\nShop Billing — T-${ticket.number}`);
    // One PDF attachment and one inline image referenced by cid from the HTML.
    const files = parsed.attachments.map((a) => ({
      name: a.filename,
      type: a.contentType,
      disp: a.contentDisposition,
    }));
    expect(files).toEqual(
      expect.arrayContaining([
        { name: 'invoice.pdf', type: 'application/pdf', disp: 'attachment' },
        { name: 'chart.png', type: 'image/png', disp: 'inline' },
      ]),
    );
    const image = parsed.attachments.find((a) => a.filename === 'chart.png')!;
    // mailparser resolves a `cid:` reference of the HTML to the part it names (and marks it related).
    expect(image.related).toBe(true);
    expect(parsed.html).toContain(`data:image/png;base64,${PNG.toString('base64')}`);
    expect(image.content.equals(PNG)).toBe(true);
    // Stored like inbound attachments; the uploads are used up.
    const stored = await t.dataSource.query<Array<{ filename: string; inline: boolean }>>(
      `SELECT filename, inline FROM attachments WHERE message_id = $1 ORDER BY filename`,
      [messageId],
    );
    expect(stored).toEqual([
      { filename: 'chart.png', inline: true },
      { filename: 'invoice.pdf', inline: false },
    ]);
    expect(Number((await t.dataSource.query(`SELECT count(*) AS n FROM outbound_uploads`))[0].n)).toBe(0);
    // The first response counts from the SMTP server's acceptance.
    const after = await t.dataSource.getRepository(TicketEntity).findOneByOrFail({ id: ticket.id });
    expect(after.firstResponseAt?.getTime()).toBe(row.sentAt?.getTime());
  });

  it('shows the customer mail’s Cc for reply-all', async () => {
    const ticket = await groupTicket('Reply all', 'dora@customer.test');
    const res = await api(t, agent)('GET', `/api/tickets/${ticket.id}`);
    const body = (await res.json()) as { messages: Array<{ id: string; cc: string[] }> };
    expect(body.messages.find((m) => m.id === ticket.messageId)?.cc).toEqual(['boss@customer.test']);
  });

  it('forwards a message with its attachments to an outside address as a new conversation', async () => {
    const group = await createGroup(t, 'fwd', [agent.id]);
    const ticket = await createTicket(t, {
      subject: 'Broken part',
      email: 'emil@customer.test',
      body: 'The part arrived broken, photo attached.',
      groupId: group,
      attachment: { filename: 'photo.png', contentType: 'image/png', data: PNG },
    });
    const before = sink.messages.length;
    const res = await api(t, agent)('POST', `/api/tickets/${ticket.id}/messages/${ticket.messageId}/forward`, {
      to: ['supplier@partner.test'],
      body: 'Please replace this part.',
    });
    expect(res.status).toBe(202);
    const { messageId } = (await res.json()) as { messageId: string };
    expect((await settled(messageId)).deliveryStatus).toBe(DeliveryStatus.Sent);
    const [mail] = (await sink.waitForCount(before + 1)).slice(before);
    expect(mail.to).toEqual(['supplier@partner.test']);
    const parsed = await mail.parsed();
    expect(parsed.subject).toBe(`Fwd: Broken part [T-${ticket.number}]`);
    expect(parsed.inReplyTo).toBeUndefined();
    expect(parsed.text).toContain('Please replace this part.');
    expect(parsed.text).toContain('The part arrived broken, photo attached.');
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['photo.png']);
    expect(parsed.attachments[0]?.content.equals(PNG)).toBe(true);
    // A forward to a third party is not the customer's first response.
    const after = await t.dataSource.getRepository(TicketEntity).findOneByOrFail({ id: ticket.id });
    expect(after.firstResponseAt).toBeNull();
  });

  it('refuses bad input with a clear error and loses nothing', async () => {
    const ticket = await groupTicket('Bad input', 'fred@customer.test');
    const call = api(t, agent);
    const bad = await call('POST', `/api/tickets/${ticket.id}/replies`, { body: 'Hi', cc: ['not an address'] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/cc\.0/);
    const headerTrick = await call('POST', `/api/tickets/${ticket.id}/replies`, {
      body: 'Hi',
      bcc: ['x@y.test\r\nBcc: victim@z.test'],
    });
    expect(headerTrick.status).toBe(400);
    const unknownUpload = await call('POST', `/api/tickets/${ticket.id}/replies`, {
      body: 'Hi',
      attachmentIds: ['0b7e6c55-2d8e-4d5f-9b1a-3c2d1e0f9a8b'],
    });
    expect(unknownUpload.status).toBe(404);
    const count = await t.dataSource.getRepository(MessageEntity).countBy({ ticketId: ticket.id });
    expect(count).toBe(1);
    // Another agent's upload cannot be attached (nor read).
    const theirs = await upload(admin, [{ name: 'a.pdf', type: 'application/pdf', data: PDF }]);
    const stolen = await call('POST', `/api/tickets/${ticket.id}/replies`, {
      body: 'Hi',
      attachmentIds: [theirs.body.uploads[0].id],
    });
    expect(stolen.status).toBe(404);
    expect((await call('GET', `/api/uploads/${theirs.body.uploads[0].id}/content`)).status).toBe(404);
    // A file whose bytes contradict its declared type is kept as a download.
    const fake = await upload(agent, [
      { name: 'x.png', type: 'image/png', data: Buffer.from('MZ\x90\x00 not an image') },
    ]);
    expect(fake.body.uploads[0].contentType).toBe('application/octet-stream');
  });

  it('checks authorization: tickets outside the agent’s groups are 404, writes need CSRF, no session is 401', async () => {
    const ticket = await groupTicket('Private', 'gina@customer.test');
    expect((await api(t, outsider)('POST', `/api/tickets/${ticket.id}/replies`, { body: 'x' })).status).toBe(404);
    expect(
      (
        await api(t, outsider)('POST', `/api/tickets/${ticket.id}/messages/${ticket.messageId}/forward`, {
          to: ['a@b.test'],
        })
      ).status,
    ).toBe(404);
    expect((await api(t, outsider)('GET', `/api/tickets/${ticket.id}/draft`)).status).toBe(404);
    expect(
      (await api(t, agent)('POST', `/api/tickets/${ticket.id}/replies`, { body: 'x' }, { csrf: false })).status,
    ).toBe(403);
    expect((await api(t, null)('POST', `/api/uploads`, {})).status).toBe(401);
  });

  it('keeps a draft per user and ticket across reloads', async () => {
    const ticket = await groupTicket('Draft', 'hana@customer.test');
    const call = api(t, agent);
    expect(
      ((await (await call('GET', `/api/tickets/${ticket.id}/draft`)).json()) as { content: unknown }).content,
    ).toBeNull();
    expect(
      (await call('PUT', `/api/tickets/${ticket.id}/draft`, { mode: 'reply', html: '<p>half</p>', cc: ['a@b.test'] }))
        .status,
    ).toBe(204);
    const saved = (await (await call('GET', `/api/tickets/${ticket.id}/draft`)).json()) as { content: unknown };
    expect(saved.content).toEqual({ mode: 'reply', html: '<p>half</p>', cc: ['a@b.test'] });
    // The admin sees no draft of the agent's.
    const theirs = (await (await api(t, admin)('GET', `/api/tickets/${ticket.id}/draft`)).json()) as {
      content: unknown;
    };
    expect(theirs.content).toBeNull();
    // A forward's draft keeps the message it forwards; anything else there is refused.
    const forward = { mode: 'forward', body: 'For you', to: ['partner@partner.test'], forwardOf: ticket.messageId };
    expect((await call('PUT', `/api/tickets/${ticket.id}/draft`, forward)).status).toBe(204);
    expect(
      ((await (await call('GET', `/api/tickets/${ticket.id}/draft`)).json()) as { content: unknown }).content,
    ).toEqual(forward);
    const bad = await call('PUT', `/api/tickets/${ticket.id}/draft`, { mode: 'forward', forwardOf: '../x' });
    expect(bad.status).toBe(400);
    expect(
      ((await (await call('GET', `/api/tickets/${ticket.id}/draft`)).json()) as { content: unknown }).content,
    ).toEqual(forward);
    expect((await call('DELETE', `/api/tickets/${ticket.id}/draft`)).status).toBe(204);
  });

  it('refuses a canned reply with an unknown placeholder, naming the known ones, and saves nothing', async () => {
    const res = await api(t, admin)('POST', '/api/canned-replies', {
      title: 'Greeting',
      body: 'Hello {{contact.name}}, about {{ticket.reference}}',
    });
    expect(res.status).toBe(400);
    const { message } = (await res.json()) as { message: string };
    expect(message).toContain('{{contact.name}}');
    expect(message).toContain('known: {{customer.name}}');
    expect(Number((await t.dataSource.query(`SELECT count(*) AS n FROM canned_replies`))[0].n)).toBe(0);
    const good = await api(t, admin)('POST', '/api/canned-replies', {
      title: 'Greeting',
      body: 'Hello {{customer.name}}, about {{ticket.reference}}',
    });
    expect(good.status).toBe(201);
  });
});
