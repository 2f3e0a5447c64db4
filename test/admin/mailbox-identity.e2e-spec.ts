import { sha256Hex } from '@app/common';
import { MailboxEntity, UserRole } from '@app/database';
import { waitFor } from '@app/testing';
import { api, staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const SMTP_SECRET = 'smtp-Secret-4dT9q';

/**
 * A mailbox's identity on outbound mail (From name, Reply-To, signature, acknowledgement template,
 * own SMTP URL) through the admin API, its acknowledgement template in use, and the quarantine
 * list with delete for the Mailboxes screen (issue 12).
 */
describe('mailbox identity, acknowledgement template and quarantine through the admin API', () => {
  let app: TestApp;
  let admin: StaffSession;
  let mailboxId: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(app, admin)(method, path, body);
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };

  beforeAll(async () => {
    app = await startTestApp({ worker: true, env: { POLLER_ENABLED: 'false' } });
    admin = await staff(app, UserRole.Admin, 'Identity Admin');
    const created = await call('POST', '/api/admin/mailboxes', {
      name: 'help',
      address: 'help@desk.test',
      host: '127.0.0.1',
      port: 1,
      tls: false,
      username: 'help',
      password: 'imap-password-x',
      enabled: false,
    });
    expect(created.status).toBe(201);
    mailboxId = created.json.id as string;
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses a template or signature with an unknown placeholder, naming the known ones, and stores nothing', async () => {
    const bad = await call('PATCH', `/api/admin/mailboxes/${mailboxId}`, {
      fromName: 'Help Team',
      ackTemplate: 'Hi {{contact.name}}, we got {{ticket.reference}}.',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_mailbox');
    expect((bad.json.fields as Record<string, string>).ackTemplate).toBe(
      'Unknown placeholder {{contact.name}}; known: {{customer.name}}, {{customer.email}}, {{ticket.reference}}, {{ticket.subject}}, {{agent.name}}',
    );
    const sig = await call('PATCH', `/api/admin/mailboxes/${mailboxId}`, { signature: '{{agent.nam}}' });
    expect((sig.json.fields as Record<string, string>).signature).toMatch(/^Unknown placeholder \{\{agent\.nam\}\}/);
    const stored = await app.dataSource.getRepository(MailboxEntity).findOneByOrFail({ id: mailboxId });
    expect([stored.fromName, stored.ackTemplate, stored.signature]).toEqual([null, null, null]);
  });

  it('saves the identity, keeps the SMTP URL encrypted and write-only, and audits without secrets', async () => {
    const saved = await call('PATCH', `/api/admin/mailboxes/${mailboxId}`, {
      fromName: 'Help Team',
      replyTo: 'Answers@Desk.test',
      signature: 'Kind regards, {{agent.name}}',
      ackTemplate: 'Dear {{customer.name}},\n\nthanks for "{{ticket.subject}}" ({{ticket.reference}}).\n{{agent.name}}',
      smtpUrl: `smtp://help:${SMTP_SECRET}@127.0.0.1:2525`,
    });
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({
      fromName: 'Help Team',
      replyTo: 'answers@desk.test',
      signature: 'Kind regards, {{agent.name}}',
      smtpConfigured: true,
    });
    expect(JSON.stringify(saved.json)).not.toContain(SMTP_SECRET);
    const stored = await app.dataSource.getRepository(MailboxEntity).findOneByOrFail({ id: mailboxId });
    expect(stored.smtpUrlEncrypted).not.toBeNull();
    expect(stored.smtpUrlEncrypted).not.toContain(SMTP_SECRET);

    const [entry] = await app.dataSource.query<Array<{ changes: Record<string, unknown>; details: unknown }>>(
      `SELECT changes, details FROM audit_log WHERE action = 'mailbox.updated' ORDER BY id DESC LIMIT 1`,
    );
    expect(entry.details).toEqual({ alsoChanged: ['smtpUrl'] });
    expect(entry.changes).toMatchObject({
      fromName: { before: null, after: 'Help Team' },
      smtpConfigured: { before: false, after: true },
    });
    const all = await app.dataSource.query<Array<{ t: string }>>(`SELECT row_to_json(a)::text AS t FROM audit_log a`);
    expect(all.filter((r) => r.t.includes(SMTP_SECRET))).toEqual([]);

    // An empty field clears it; the SMTP URL can be removed.
    const cleared = await call('PATCH', `/api/admin/mailboxes/${mailboxId}`, { replyTo: '', smtpUrl: null });
    expect(cleared.json).toMatchObject({ replyTo: null, smtpConfigured: false, fromName: 'Help Team' });
  });

  it('acknowledges a new form request with the answering mailbox’s own template', async () => {
    // Web-form tickets arrive on no mailbox: the admin names the one that answers them.
    const made = await call('PATCH', `/api/admin/mailboxes/${mailboxId}`, { defaultOutbound: true });
    expect(made.status).toBe(200);
    expect(made.json.defaultOutbound).toBe(true);
    const res = await fetch(`${app.baseUrl}/api/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Ada Lovelace',
        email: 'ada@example.org',
        subject: 'Engine stuck',
        message: 'Help.',
      }),
    });
    expect(res.status).toBe(202);
    const { reference } = (await res.json()) as { reference: string };
    const [ack] = await waitFor(
      async () => {
        const rows = await app.dataSource.query<Array<{ body_text: string }>>(
          `SELECT m.body_text FROM messages m JOIN tickets t ON t.id = m.ticket_id
            WHERE t.number = $1 AND m.direction = 'out' AND m.auto_submitted`,
          [Number(reference.slice(2))],
        );
        return rows.length > 0 ? rows : undefined;
      },
      { what: 'acknowledgement' },
    );
    expect(ack.body_text).toBe(`Dear Ada Lovelace,\n\nthanks for "Engine stuck" (${reference}).\nHelp Team`);
  });

  it('keeps one default sender: naming another mailbox moves it there, audited', async () => {
    const other = await call('POST', '/api/admin/mailboxes', {
      name: 'sales',
      address: 'sales@desk.test',
      host: '127.0.0.1',
      port: 1,
      tls: false,
      username: 'sales',
      password: 'imap-password-y',
      enabled: false,
      defaultOutbound: true,
    });
    expect(other.status).toBe(201);
    const flags = async () =>
      Object.fromEntries(
        (await app.dataSource.getRepository(MailboxEntity).find()).map((m) => [m.name, m.defaultOutbound]),
      );
    expect(await flags()).toEqual({ help: false, sales: true });
    const back = await call('PATCH', `/api/admin/mailboxes/${mailboxId}`, { defaultOutbound: true });
    expect(back.status).toBe(200);
    expect(await flags()).toEqual({ help: true, sales: false });
    const [entry] = await app.dataSource.query<Array<{ changes: Record<string, { before: unknown; after: unknown }> }>>(
      `SELECT changes FROM audit_log WHERE action = 'mailbox.updated' AND target_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [mailboxId],
    );
    expect(entry?.changes.defaultOutbound).toEqual({ before: false, after: true });
  });

  it('lists quarantined messages per mailbox and deletes one, audited, content never shown', async () => {
    const raw = Buffer.from('From: x@y.test\r\nSubject: secret subject line\r\n\r\nbody\r\n');
    const [row] = await app.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO inbound_messages (kind, status, raw, size, sha256, reason, quarantined_at, attempts)
       VALUES ('email', 'quarantined', $1, $2, $3, 'parse_timeout', now(), 3) RETURNING id`,
      [raw, raw.length, sha256Hex(raw)],
    );
    const all = await call('GET', '/api/admin/quarantine');
    expect(all.status).toBe(200);
    expect(all.json.items).toEqual([
      expect.objectContaining({
        id: row.id,
        reason: 'parse_timeout',
        size: raw.length,
        hasBytes: true,
        mailboxId: null,
      }),
    ]);
    expect(JSON.stringify(all.json)).not.toContain('secret subject line');
    expect((await call('GET', `/api/admin/quarantine?mailboxId=${mailboxId}`)).json.items).toEqual([]);
    // What arrived on no mailbox (web form, portal) has its own list on the Mailboxes screen.
    const none = (await call('GET', '/api/admin/quarantine?mailboxId=none')).json.items as Array<{ id: string }>;
    expect(none.map((i) => i.id)).toEqual([row.id]);
    expect((await call('GET', '/api/admin/quarantine?mailboxId=nope')).status).toBe(400);

    const deleted = await call('POST', `/api/admin/quarantine/${row.id}/delete`);
    expect(deleted).toEqual({ status: 200, json: { outcome: 'no_server_copy' } });
    expect((await call('GET', '/api/admin/quarantine')).json.items).toEqual([]);
    expect((await call('POST', `/api/admin/quarantine/${row.id}/replay`)).status).toBe(404);
    const entries = await app.dataSource.query<Array<{ action: string; actor_id: string; details: unknown }>>(
      `SELECT action, actor_id, details FROM audit_log WHERE target_type = 'inbound_message'`,
    );
    expect(entries).toEqual([
      { action: 'quarantine.deleted', actor_id: admin.id, details: { mailboxId: null, reason: 'parse_timeout' } },
    ]);
  });
});
